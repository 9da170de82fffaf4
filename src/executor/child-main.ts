/**
 * The entry of a pooled child process: connects to the worker with the communicator its environment
 * names and serves `activity.run`. It loads each activity's module by its file, runs the task in a
 * per-task context whose every part is a call back to the worker, and streams the activity's yields.
 * When the channel closes (the worker is done with it, or gone), it stops what runs and leaves with its
 * whole process tree.
 */
import type { ActivityInfo } from '../activity/context.js';
import { boxError, connectFromEnvironment, Peer, type CallContext } from '../ipc/index.js';
import { ModuleLoader } from '../scanner/loader.js';
import { defaultRegistry } from '../scanner/registry.js';
import { ChildTaskContext } from './child-context.js';
import { descendants } from './process-tree.js';
import { runActivity } from './run-activity.js';

/** The arguments of `activity.run`. */
interface RunArgs {
  file: string;
  name: string;
  version: string;
  input?: string;
  info: ActivityInfo;
  taskToken: string;
}

const loader = new ModuleLoader();
const modules = new Map<string, Promise<unknown>>();
const loaded = new Set<string>();
let running = 0;

function checkArgs(args: unknown): RunArgs {
  const a = args as Partial<RunArgs> | null;
  if (!a || typeof a.file !== 'string' || typeof a.name !== 'string' || typeof a.version !== 'string' || typeof a.taskToken !== 'string' || !a.info) {
    throw new TypeError('activity.run takes { file, name, version, input?, info, taskToken }');
  }
  return a as RunArgs;
}

async function* runTask(this: Peer, args: unknown, call: CallContext): AsyncGenerator<unknown, unknown> {
  const a = checkArgs(args);
  running++;
  try {
    // A module is loaded once; later tasks of it skip the wait.
    if (!loaded.has(a.file)) {
      let load = modules.get(a.file);
      if (!load) modules.set(a.file, (load = loader.load(a.file)));
      await load;
      loaded.add(a.file);
    }
    const definition = defaultRegistry().get(a.name, a.version);
    if (!definition) {
      throw new Error(`module ${a.file} loaded in the child process, but it registers no activity ${a.name} ${a.version}`);
    }
    const context = new ChildTaskContext(this, a.taskToken, a.info, call);
    const outcome = yield* runActivity(definition, a.input, context);
    return outcome.status === 'returned'
      ? outcome
      : { status: 'threw', error: boxError(outcome.error), ...(outcome.context !== undefined ? { context: outcome.context } : {}) };
  } finally {
    running--;
  }
}

const communicator = await connectFromEnvironment();
const peer: Peer = new Peer(communicator, {
  id: `child:${process.pid}`,
  handlers: (ns, func) => (ns === 'activity' && func === 'run' ? (args, call) => runTask.call(peer, args, call) : undefined),
});
await peer.closed;
// The worker is done with this child, or gone: running tasks' signals are aborted; give them a moment.
for (let waited = 0; running > 0 && waited < 1_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
for (const pid of descendants(process.pid)) {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}
process.exit(0);
