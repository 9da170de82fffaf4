/**
 * Host functions: what the worker serves to the tasks it runs, by namespace and name. A task calls them
 * with `callHost(ns, func, args)`: directly when it runs in the worker's process, over the protocol
 * when it runs in a child process or is a program speaking the protocol (the Python helper's `_call`).
 */
import type { ActivityContext, ActivityInfo } from '../activity/context.js';
import { ConfigurationError, FlowySwfError } from '../swf/errors.js';

/** What a host function is given besides its arguments: the task it is called for. */
export interface HostCallContext {
  /** What SWF said about the calling task. */
  readonly info: ActivityInfo;
  /** Aborted when the calling task is cancelled, closed or timed out, or the worker shuts down (and when the call is cancelled). */
  readonly signal: AbortSignal;
  /** The calling task's token: a credential, never log it whole. */
  readonly taskToken: string;
  /** The calling task's context in the worker: `heartbeat()` reaches SWF from here. */
  readonly context: ActivityContext;
}

/** A function the worker serves to its tasks. Its arguments and result must have a JSON form. */
export type HostFunction = (args: unknown, context: HostCallContext) => unknown;

/**
 * Namespaces kept for flowy-swf itself: `self` (cancel, ping) and `activity` (served by children) by
 * the protocol, `messaging` (send, receive) by every worker for its own router (docs/messaging.md).
 */
const RESERVED = new Set(['self', 'activity', 'messaging']);

/** No host function of that name is registered. */
export class NoSuchHostFunctionError extends FlowySwfError {
  override name = 'NoSuchHostFunctionError';
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;

/** A table of host functions by `namespace.func`. */
export class HostFunctions {
  readonly #table = new Map<string, HostFunction>();
  readonly #base: HostFunctions | undefined;

  /**
   * An empty table, or one layered over `base`: what this table serves wins, anything else is looked up
   * in `base` at call time (so functions registered there later are served too). `builtIns` are served
   * as given, reserved namespaces included: how a worker serves `messaging.*` for its own router.
   * @internal `base` and `builtIns` are for flowy-swf's worker; use `createHostFunctions()`.
   */
  constructor(base?: HostFunctions, builtIns?: Readonly<Record<string, HostFunction>>) {
    this.#base = base;
    for (const [name, fn] of Object.entries(builtIns ?? {})) this.#table.set(name, fn);
  }

  /**
   * Serves `fn` as `namespace`.`func`; registering the same name again replaces it. Names are 1 to 64
   * of `A-Z a-z 0-9 _ . -`, starting with a letter or `_`; `self`, `activity` and `messaging` are reserved.
   */
  register(namespace: string, func: string, fn: HostFunction): void {
    for (const [what, value] of [['namespace', namespace], ['func', func]] as const) {
      if (typeof value !== 'string' || !NAME.test(value)) {
        throw new ConfigurationError(`registerHostFunction: ${what} ${JSON.stringify(value)} must be 1 to 64 of A-Z a-z 0-9 _ . - starting with a letter or _`);
      }
    }
    if (RESERVED.has(namespace)) {
      throw new ConfigurationError(
        namespace === 'messaging'
          ? 'registerHostFunction: namespace messaging is served by every worker itself (messaging.send, messaging.receive through its own router; docs/messaging.md); choose another namespace'
          : `registerHostFunction: namespace ${namespace} is reserved by the protocol; choose another`,
      );
    }
    if (typeof fn !== 'function') throw new TypeError(`registerHostFunction(${namespace}, ${func}): the handler must be a function`);
    this.#table.set(`${namespace}.${func}`, fn);
  }

  /** The function served as `namespace`.`func`, if any. */
  get(namespace: string, func: string): HostFunction | undefined {
    return this.#table.get(`${namespace}.${func}`) ?? this.#base?.get(namespace, func);
  }

  /** Every served name, `namespace.func`, sorted. */
  list(): string[] {
    return [...new Set([...this.#table.keys(), ...(this.#base?.list() ?? [])])].sort();
  }

  /** Calls `namespace`.`func` for a task; rejects with `NoSuchHostFunctionError` when none is registered. */
  async invoke(namespace: string, func: string, args: unknown, context: HostCallContext): Promise<unknown> {
    const fn = this.get(namespace, func);
    if (!fn) {
      throw new NoSuchHostFunctionError(
        `no host function ${namespace}.${func} is registered in this worker (it has ${this.list().join(', ')}); register it with registerHostFunction`,
      );
    }
    return fn(args, context);
  }
}

/** The built-in host functions every table starts with: `task.heartbeat({ details }) -> boolean`. */
function withBuiltIns(table: HostFunctions): HostFunctions {
  table.register('task', 'heartbeat', (args, ctx) => ctx.context.heartbeat((args as { details?: unknown } | null)?.details));
  return table;
}

/** Makes a table with only the built-in host functions. */
export function createHostFunctions(): HostFunctions {
  return withBuiltIns(new HostFunctions());
}

const KEY = Symbol.for('flowy-swf.host-functions');

/** The table workers serve by default: one per process, like the default activity registry. */
export function defaultHostFunctions(): HostFunctions {
  const holder = globalThis as { [KEY]?: HostFunctions };
  holder[KEY] ??= createHostFunctions();
  return holder[KEY];
}

/**
 * Serves `fn` to every task of the workers of this process (unless a worker is given its own
 * `hostFunctions`), as `namespace`.`func`. A task calls it with `callHost(namespace, func, args)`, a
 * Python program with `flowy_swf_task._call(namespace, func, **args)`.
 *
 * @example
 * registerHostFunction('audit', 'record', async (args, { info }) => audit.write(info.activityId, args));
 */
export function registerHostFunction(namespace: string, func: string, fn: HostFunction): void {
  defaultHostFunctions().register(namespace, func, fn);
}
