import { randomUUID } from 'node:crypto';
import type { Say } from '../common/say.js';
import { reason } from '../errors.js';
import { containerName } from '../topology/plan.js';
import type { Engine } from './engine.js';
import { resolveImage } from './images.js';
import { federationLabels, LABEL } from './labels.js';

/**
 * The reaper, as testcontainers' Ryuk is: a small container that removes a run-scoped federation
 * within seconds of the fedsim process that owns it dying by any means, SIGKILL and a whole process
 * group killed included. It holds no port: this process attaches to its stdin (Engine.holdStdin),
 * the kernel closes that connection when the process ends however it ends, the engine then closes
 * the container's stdin, and the script, blocked reading it, removes through the mounted Docker
 * socket every container (but itself), volume and network labelled with the federation. A container
 * survives what kills the process group; a detached host process would need the host to stay the
 * same. The reaper carries the federation's labels, so `down`, `gc` and a run's own removal take it
 * too (killed first: it then reaps nothing), and `AutoRemove` takes it once it has reaped.
 */

/** This process's session: the reapers it starts carry it (LABEL.session), so whose they are can be seen. */
export const SESSION = randomUUID();

/** Bash and curl, both in fedsim's base image; the Docker API's JSON is read with grep (no jq there). */
const SCRIPT = `
set -u
fed=$1
cat >/dev/null
api() { curl -sS --unix-socket /var/run/docker.sock "$@"; }
filter='{"label":["${LABEL.managed}=true","${LABEL.federation}='"$fed"'"]}'
ids() { api -G --data-urlencode "filters=$filter" "http://engine/$1" | grep -o "\\"$2\\":\\"[^\\"]*\\"" | cut -d'"' -f4; }
echo "reaping federation $fed"
for pass in 1 2 3 4 5; do
  found=0
  for id in $(ids 'containers/json?all=1' Id); do
    case "$id" in "$HOSTNAME"*) continue ;; esac
    found=1; api -X DELETE "http://engine/containers/$id?force=1&v=1" >/dev/null
  done
  for v in $(ids volumes Name); do found=1; api -X DELETE "http://engine/volumes/$v?force=1" >/dev/null; done
  for n in $(ids networks Id); do found=1; api -X DELETE "http://engine/networks/$n" >/dev/null; done
  [ "$found" = 0 ] && break
  # A create the process asked for just before it died may land after a pass: look again.
  sleep 1
done
`;

export class Reaper {
  constructor(
    private readonly engine: Engine,
    readonly container: string,
    private readonly connection: { close: () => void },
  ) {}

  /** The federation outlives this process (`after: keep`): the reaper is removed, killed before it can reap. */
  async disarm(): Promise<void> {
    await this.engine.remove(this.container);
    this.connection.close();
  }

  /** The federation was removed (the reaper with it): only the connection is left to close. */
  release(): void {
    this.connection.close();
  }
}

/**
 * Starts the reaper of a federation this process brings up for itself; undefined (said why) where
 * none can be started: an engine reached over TCP has no socket to mount, or the base image cannot
 * be had. Then `fedsim gc` remains the way out after a kill.
 */
export async function armReaper(engine: Engine, federation: string, say: Say): Promise<Reaper | undefined> {
  const socket = engine.socketPath;
  if (!socket) {
    say(
      `no reaper: the engine at ${engine.endpoint} has no local socket to hand it; if this process is killed, \`fedsim gc\` removes what is left`,
    );
    return undefined;
  }
  let container: string | undefined;
  try {
    // The base image is fedsim's own: built here, never pulled (a registry image may lack bash or curl).
    const image = await resolveImage(engine, 'base', 'local', say);
    container = await engine.create({
      name: containerName(federation, 'reaper'),
      Image: image.ref,
      Cmd: ['bash', '-c', SCRIPT, 'reaper', federation],
      OpenStdin: true,
      StdinOnce: true,
      AttachStdin: true,
      Labels: federationLabels(federation, { [LABEL.role]: 'reaper', [LABEL.session]: SESSION }),
      HostConfig: {
        AutoRemove: true,
        NetworkMode: 'none',
        Binds: [`${socket}:/var/run/docker.sock`],
        Memory: 64 * 1024 * 1024,
      },
    });
    // Attached before it starts, so it cannot read end of file before this process holds its stdin.
    const connection = await engine.holdStdin(container);
    await engine.start(container);
    return new Reaper(engine, container, connection);
  } catch (err) {
    if (container) await engine.remove(container).catch(() => undefined);
    say(`no reaper (${reason(err)}); if this process is killed, \`fedsim gc\` removes what is left`);
    return undefined;
  }
}
