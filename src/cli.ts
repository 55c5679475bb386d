#!/usr/bin/env node
// First: keeps a Ctrl-C that comes while the rest loads (see signals.ts).
import './signals.js';
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { type CommandContext, processContext } from './commands/context.js';
import { DEMO_SCENARIO } from './commands/library.js';
import { FedsimError, reason } from './errors.js';
import { faultOptions, targetHelp } from './faults/docs.js';
import { FAULT_KINDS } from './faults/kinds.js';
import { projectRoot } from './paths.js';

/** The context commands get: the process's, or the caller's of `main` (a test running a command line in-process). */
let ctx: CommandContext = processContext();
/**
 * A command as commander calls it: its module loaded only when it runs (so `fedsim check` loads no
 * engine client, driver or dashboard), then called with its arguments and options after the context.
 */
const lazy =
  <M, A extends unknown[]>(load: () => Promise<M>, command: (m: M) => (ctx: CommandContext, ...args: A) => Promise<void>) =>
  async (...args: A) =>
    command(await load())(ctx, ...args);
const checkModule = () => import('./commands/check.js');
const doctorModule = () => import('./commands/doctor.js');
const endpointsModule = () => import('./commands/endpoints.js');
const execModule = () => import('./commands/exec.js');
const faultsModule = () => import('./commands/faults.js');
const federationModule = () => import('./commands/federation.js');
const validateModule = () => import('./commands/validate.js');
const imagesModule = () => import('./commands/images.js');
const runModule = () => import('./commands/run.js');
const watchModule = () => import('./commands/watch.js');
const libraryModule = () => import('./commands/library.js');
const reportModule = () => import('./commands/report.js');
const nodesModule = () => import('./commands/nodes.js');

/** The command line as typed, after `fedsim`: which command a usage error is about. */
let typed = process.argv.slice(2);

/** Where a federation lives: Docker (the default) or a Kubernetes cluster (docs/KUBERNETES.md). */
const engineOption = () => new Option('--engine <engine>', 'docker or kubernetes (default: docker)').env('FEDSIM_ENGINE');

const program = new Command('fedsim')
  .description('Multi-region database federations in Docker containers, broken on purpose.')
  .version(JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')).version, '-V, --version', 'print the version')
  // Usage errors (an unknown option or command, a missing argument) exit 2, as bad input does, not
  // 1 (an expectation failed): thrown as a CommanderError and handled below. Inherited by every command.
  .exitOverride()
  .configureOutput({
    // Through the context (the process's streams in the `fedsim` process), so main() in-process keeps them too.
    writeOut: (text) => ctx.out(text),
    writeErr: (text) => ctx.show(text.endsWith('\n') ? text.slice(0, -1) : text),
    outputError: (text, write) => {
      const command = program.commands.find((c) => typed.includes(c.name()));
      const said = text
        .replace(/^error: /, '')
        .trim()
        .replace(/\s*\n\s*/g, ' ')
        .replace(/\.$/, '');
      write(`fedsim: ${said}; see fedsim ${command ? `${command.name()} ` : ''}--help.\n`);
    },
  });

program
  .command('demo')
  .description(
    `set up what is missing, then run a library story (default ${DEMO_SCENARIO}: the Main Cluster goes down) on a local federation, print the verdict, clean up`,
  )
  .option('--scenario <name>', 'another scenario of the library (scenarios/<name>.yaml)')
  .option('--out <dir>', 'run folder (default runs/<time>-<scenario>)')
  .option('--seed <n>', "replay a run's random choices")
  .option('--no-ui', 'plain, timestamped lines instead of the live dashboard (the default without a terminal)')
  .option('--json', "print the verdict (the run's report) as JSON; the run shows plain lines on stderr")
  .action(lazy(runModule, (m) => m.demoCommand));

program
  .command('scenarios')
  .description('list the library of scenarios, each with what it shows (`fedsim demo --scenario NAME` runs one)')
  .option('--json', 'print as JSON')
  .action(lazy(libraryModule, (m) => m.scenariosCommand));

program
  .command('doctor')
  .description(
    'diagnose: Node, which Docker engine was found and why, which images are present (changes nothing; exit 1 without an engine)',
  )
  .option('--json', 'print the findings as JSON')
  .option('--fix', 'run `fedsim setup` first')
  .action(lazy(doctorModule, (m) => m.doctorCommand));
program
  .command('setup')
  .description('install and start a Docker engine where none answers (root on Debian), then build the missing local images')
  .option('--json', 'print what was found and built as JSON')
  .action(lazy(doctorModule, (m) => m.setupCommand));

const images = program
  .command('images')
  .description('list every component image: source, tag, present or not')
  .option('--json', 'print as JSON')
  .action(lazy(imagesModule, (m) => m.imagesCommand));
images
  .command('build')
  .description('build the local images that are missing (each keyed by a hash of its recipe)')
  .argument('[components...]', 'only these components (and the base they need)')
  .option('--json', 'print each image, built or present, as JSON')
  .action(lazy(imagesModule, (m) => m.imagesBuildCommand));

program
  .command('validate')
  .description('check a topology or scenario file; touches no engine')
  .argument('<file>')
  .option('--json', 'print what the file holds as JSON')
  .action(lazy(validateModule, (m) => m.validateCommand));
program
  .command('schema')
  .description('print the JSON Schema of topology files, or of scenario files with --scenario (for editors)')
  .option('--scenario', 'the scenario schema')
  .action(lazy(validateModule, (m) => m.schemaCommand));
program
  .command('up')
  .description('bring a federation up from a topology file and leave it running')
  .argument('<file>', 'topology file (YAML or JSON)')
  .option('--name <name>', 'federation name (default: the file\'s name, else "fedsim")')
  .option('--node-timeout <duration>', 'give up on a node that does not answer CQL within this long', '180s')
  .option('--json', "print the federation's endpoints as JSON (as `fedsim endpoints --json`)")
  .addOption(
    new Option('--image-source <source>', 'auto (present, else pull, else local recipe), local or registry').env('FEDSIM_IMAGE_SOURCE'),
  )
  .addOption(engineOption())
  .option('--kubeconfig <file>', 'with --engine kubernetes: the kubeconfig (default: KUBECONFIG, else ~/.kube/config)')
  .option('--context <name>', "with --engine kubernetes: the kubeconfig's context (default: its current one)")
  .action(lazy(federationModule, (m) => m.upCommand));
program
  .command('status')
  .description('federations that are up: containers, state, ports')
  .argument('[name]')
  .option('--json', 'print as JSON')
  .addOption(engineOption())
  .option('--kubeconfig <file>', 'with --engine kubernetes: the kubeconfig')
  .option('--context <name>', "with --engine kubernetes: the kubeconfig's context")
  .action(lazy(federationModule, (m) => m.statusCommand));
program
  .command('endpoints')
  .description(
    "per region: each cluster's contact points and datacenter, each service replica's published ports, the host driver's address map",
  )
  .argument('[name]', 'the federation (default: the only one up)')
  .option('--region <region>', 'only this region')
  .option('--json', 'print as JSON')
  .option('--env', "print the region's view as export lines (the first region without --region)")
  .action(lazy(endpointsModule, (m) => m.endpointsCommand));
program
  .command('exec')
  .description(
    'run a command on this machine as a client of a region: its connections to other regions pay the links (exit code passed through)',
  )
  .argument('<region>')
  .argument('<command...>', 'the command, after --')
  .option('-f, --federation <name>', 'the federation (default: the only one up)')
  .action(lazy(execModule, (m) => m.execCommand));
program
  .command('logs')
  .description("a node's log (or a gateway's, a service replica's, prometheus'), as the engine kept it")
  .argument('<name>', 'a node, gw-REGION, a service replica, prometheus...')
  .option('--tail <lines>', 'only the last lines')
  // No -f: that is the federation on fault, heal, exec...; --follow as `docker logs --follow`.
  .option('--follow', 'then stream it as it grows, until Ctrl-C or the container stops')
  .option('--federation <name>', 'the federation (default: the only one up)')
  .action(lazy(nodesModule, (m) => m.logsCommand));
program
  .command('cqlsh')
  .description("cqlsh on a node (a region: its first node), as ccm's node cqlsh; options after NODE go to cqlsh")
  .argument('<node>', 'a node or a region')
  .argument('[options...]', 'cqlsh options, e.g. -e "SELECT ..."')
  .option('--federation <name>', 'the federation (default: the only one up); before NODE')
  // From cqlsh's first option on, everything is cqlsh's (commander keeps the order).
  .allowUnknownOption()
  .action(lazy(nodesModule, (m) => m.cqlshCommand));
program
  .command('nodetool')
  .description("nodetool on a node, as ccm's node nodetool (e.g. fedsim nodetool geo-1 status)")
  .argument('<node>')
  .argument('[command...]', 'the nodetool command and its options')
  .option('--federation <name>', 'the federation (default: the only one up); before NODE')
  .allowUnknownOption()
  .action(lazy(nodesModule, (m) => m.nodetoolCommand));
program
  .command('down')
  .description('remove a federation (everything labelled with its name); idempotent')
  .argument('[name]')
  .option('--all', 'every federation')
  .option('--json', 'print what was removed as JSON')
  .addOption(engineOption())
  .option('--kubeconfig <file>', 'with --engine kubernetes: the kubeconfig')
  .option('--context <name>', "with --engine kubernetes: the kubeconfig's context")
  .action(lazy(federationModule, (m) => m.downCommand));

const fault = program
  .command('fault')
  .description('inject a fault into a running federation; it stays until `fedsim heal`, or for --for')
  .argument('<kind>', FAULT_KINDS.join(' | '))
  .argument('<target>', targetHelp())
  .option('-f, --federation <name>', 'the federation (default: the only one up)');
// Each kind's parameters, from the registry of kinds (src/faults/kinds.ts).
for (const o of faultOptions()) fault.option(o.flags, o.help);
fault
  .option('--for <duration>', 'hold the fault this long, then undo it (Ctrl-C undoes it early)')
  .option('--log <file>', 'append the fault log (JSON lines) to this file')
  .option('--json', "print the fault's record as JSON instead of its id")
  .action(lazy(faultsModule, (m) => m.faultCommand));
fault
  .command('update')
  .description("change an active fault's parameters in place (link toxics, stress, clock), e.g. `fedsim fault update ID --latency 300ms`")
  .argument('<id>', 'the id `fedsim fault` printed (`fedsim faults` lists them)')
  .configureHelp({ showGlobalOptions: true })
  // The kind's options, -f and --json are `fault`'s own (commander reads them there, after `update` too).
  .action(lazy(faultsModule, (m) => (c, id: string, _opts: unknown, cmd: Command) => m.faultUpdateCommand(c, id, cmd.optsWithGlobals())));
program
  .command('faults')
  .description("list a federation's active faults, whichever process injected them")
  .option('-f, --federation <name>', 'the federation (default: the only one up)')
  .option('--json', 'print as JSON')
  .action(lazy(faultsModule, (m) => m.faultsCommand));
program
  .command('heal')
  .description('undo every fault (toxics, proxies, nodes), or the one with ID, and wait until the federation answers again')
  .argument('[id]', 'only this fault (the id `fedsim fault` printed)')
  .option('-f, --federation <name>', 'the federation (default: the only one up)')
  .option('--log <file>', 'append the fault log (JSON lines) to this file')
  .option('--json', 'print what was done as JSON')
  .action(lazy(faultsModule, (m) => m.healCommand));

program
  .command('run')
  .description('run a scenario: up (or reuse), warm-up, workload and faults, heal, checks, reports, down; exit 0 pass, 1 fail, 2 error')
  .argument('<scenario>', 'scenario file (YAML or JSON)')
  .option('--out <dir>', 'the run folder (default: runs/<time>-<scenario>)')
  .option('--seed <n>', "replay a run's random choices (default: the scenario's seed)")
  .option('--no-ui', 'plain, timestamped lines instead of the live dashboard (the default without a terminal)')
  .option('--json', "print the verdict (the run's report) as JSON; the run shows plain lines on stderr")
  .option('--dry-run', 'print the timeline the run would play for the seed (nemesis draws, picked nodes) and stop; no engine')
  .addOption(
    new Option('--image-source <source>', 'auto (present, else pull, else local recipe), local or registry').env('FEDSIM_IMAGE_SOURCE'),
  )
  .action(lazy(runModule, (m) => m.runCommand));

program
  .command('check')
  .description(
    "check a saved run again, no containers: the checkers on its history, and with its scenario the run's verdict (thresholds, steady state, alerts); exit 1 when it fails",
  )
  .argument('<history>', 'a run folder, or the history.jsonl of a run')
  .option('--faults <file>', 'the fault log (default: faults.jsonl beside the history)')
  .option('--scenario <file>', 'the scenario whose expectations apply (default: scenario.json beside the history)')
  .option('--alerts <file>', 'what the alert webhook was told (default: alerts.jsonl beside the history)')
  .option('--json', 'print the verdict, the expectations and every checker with its evidence as JSON')
  .action(lazy(checkModule, (m) => m.checkCommand));
program
  .command('report')
  .description('(re)write report.html and the SVG plots (latency, rate, faults shaded) of a saved run, no containers')
  .argument('<run>', 'a run folder, or the history.jsonl of a run')
  .option('--timeline <from-to>', "the timeline's window on the run's clock, e.g. 20s-30s (default: around the first fault)")
  .option('--json', 'print the paths written as JSON')
  .action(lazy(reportModule, (m) => m.reportCommand));

program
  .command('watch')
  .description('the live dashboard of a federation that is up: node states and active faults (q stops watching, h heals)')
  .argument('[name]', 'the federation (default: the only one up)')
  .option('--no-ui', 'plain, timestamped lines instead of the dashboard')
  .action(lazy(watchModule, (m) => m.watchCommand));

program
  .command('gc')
  .description('remove everything fedsim labelled (containers, networks, volumes) of every federation')
  .option('--json', 'print what was removed as JSON')
  .addOption(engineOption())
  .option('--kubeconfig <file>', 'with --engine kubernetes: the kubeconfig')
  .option('--context <name>', "with --engine kubernetes: the kubeconfig's context")
  .action(lazy(federationModule, (m) => m.gcCommand));

/**
 * Runs a command line (the words after `fedsim`) with `context` and gives its exit code: 2 for bad
 * input (usage, or a FedsimError said in one line through `context.say`), the command's own code
 * (process.exitCode) otherwise. One at a time: the program and its context are this module's.
 */
export async function main(argv: string[], context: CommandContext): Promise<number> {
  ctx = context;
  typed = argv;
  try {
    await program.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (err) {
    // Help and --version end here with exit 0; a usage error, already said by outputError, with 2.
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof FedsimError) {
      context.say(err.message);
      return err.exitCode;
    }
    // A bug of fedsim's: still one sentence; the stack with FEDSIM_DEBUG=1.
    if (process.env.FEDSIM_DEBUG) throw err;
    context.say(`unexpected error: ${reason(err)} (FEDSIM_DEBUG=1 shows where; please report it)`);
    return 2;
  }
}

/**
 * Resolves once everything written to stdout so far has been handed to the system: stdout to a pipe
 * is asynchronous, and `process.exit` would cut a long `--json` report at what the pipe held.
 */
const drained = () => new Promise<void>((resolve) => process.stdout.write('', () => resolve()));

// Run as the `fedsim` command (directly, or through npm's bin link), not imported by a test. Done:
// exit now. A cassandra-driver session whose node was replaced during a fault can leave a health
// timer on the replaced host that no shutdown clears, which would keep the process alive.
const runAsCommand = (() => {
  try {
    return Boolean(process.argv[1]) && realpathSync(process.argv[1]!) === fileURLToPath(import.meta.url);
  } catch {
    return false; // imported by a program whose first argument is no file
  }
})();
if (runAsCommand) {
  const code = await main(typed, ctx);
  await drained();
  process.exit(code);
}
