import { spawn } from 'node:child_process';
import { FedsimError, reason } from '../errors.js';
import { connectEngine } from '../runtime/engine.js';
import { attach } from '../runtime/federation.js';
import { clientNamespace } from '../runtime/netns.js';
import { takeEarlySignals } from '../signals.js';
import { chosenFederation } from './faults.js';

const say = (line: string) => process.stderr.write(`fedsim: ${line}\n`);

/**
 * `fedsim exec [-f NAME] REGION -- CMD...`: runs a host command as a client of the region. It is
 * entered into the region's client network namespace (nsenter -n), whose DNAT rules send its
 * connections to other regions' nodes and replicas through the region's gateway, so any program
 * (cqlsh, a JVM test, a Go binary) pays the links; its environment gets the region's FEDSIM_* view.
 * Its exit code is passed through.
 */
export async function execCommand(region: string, command: string[], opts: { federation?: string }): Promise<void> {
  if (!command.length) throw new FedsimError(`Name the command to run after --, e.g. fedsim exec ${region} -- cqlsh HOST.`);
  if (process.getuid?.() !== 0)
    throw new FedsimError('fedsim exec enters a network namespace with nsenter, which needs root; run it as root or with sudo.');
  const engine = await connectEngine();
  const fed = await attach(engine, await chosenFederation(engine, opts.federation));
  const client = fed.plan.clients.find((c) => c.region === region);
  if (!client) throw new FedsimError(`Unknown region "${region}"; federation ${fed.name} has ${fed.plan.regions.join(', ')}.`);
  const pid = await clientNamespace(engine, fed.plan, client, say);
  // Ctrl-C reaches the command (same process group); fedsim waits for it and passes its code on.
  takeEarlySignals();
  const ignore = () => undefined;
  process.on('SIGINT', ignore);
  process.on('SIGTERM', ignore);
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn('nsenter', ['-t', String(pid), '-n', '--', ...command], {
      stdio: 'inherit',
      env: { ...process.env, ...client.env },
    });
    child.on('error', (err) =>
      reject(new FedsimError(`Cannot run nsenter (${reason(err)}); it comes with util-linux (Debian: apt-get install util-linux).`)),
    );
    child.on('exit', (c, sig) => resolve(c ?? (sig === 'SIGINT' ? 130 : 128 + 15)));
  });
  process.exitCode = code;
}
