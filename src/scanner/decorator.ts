import { ConfigurationError } from '../swf/errors.js';
import { nameProblem, SWF_LIMITS, formatCount } from '../swf/limits.js';
import { className, defaultRegistry } from './registry.js';
import type { ActivityClass, ActivityDefinition, ActivityOptions, TimeoutSeconds } from './types.js';

/** Flowy's defaults for the timeouts `@activity` does not get, as SWF strings. */
const DEFAULT_TIMEOUTS = {
  heartbeat: 'NONE',
  scheduleToClose: '420',
  scheduleToStart: '120',
  startToClose: '300',
} as const;

/** The largest timeout SWF can take: durations are strings of at most 8 characters. */
const MAX_TIMEOUT_SECONDS = 10 ** SWF_LIMITS.duration - 1;

const TIMEOUT_KEYS = ['heartbeat', 'scheduleToClose', 'scheduleToStart', 'startToClose'] as const;
const EXECUTION_KEYS = ['executor', 'memoryLimitMb'] as const;

/** Where a class keeps the definitions `@activity` gave it; shared by every copy of flowy-swf. */
const DEFINITIONS = Symbol.for('flowy-swf.activity');

/**
 * A class decorator: returns the class it is given. Works as a legacy (`experimentalDecorators`) or a
 * standard class decorator, and as a plain call: `activity('echo', 1, 'tl')(class Echo extends Activity {...})`.
 */
export type ActivityDecorator = <T extends ActivityClass>(target: T, context?: ClassDecoratorContext) => T;

/**
 * Declares a class as the implementation of the SWF activity type `name` `version`, with the defaults
 * it is registered with, and adds it to the {@link defaultRegistry}. Flowy's `@activity`.
 *
 * Everything is checked against SWF's rules when the class is decorated, so a mistake shows up when
 * the module loads rather than when SWF refuses the registration.
 *
 * @param name The activity type's name: 1 to 256 characters, no `:` `/` `|` or control characters, and not the name `arn` itself.
 * @param version The type's version: 1 to 64 characters, same rules; a number is turned into its string (`1` → `'1'`).
 * @param taskList The default task list tasks of this type are scheduled to: 1 to 256 characters, same rules.
 *   A workflow may schedule to another one.
 * @param timeouts Default timeouts in whole seconds (0 to 99,999,999) or `'NONE'`; a workflow may override them.
 *   `heartbeat` @default 'NONE'; `scheduleToClose` @default 420; `scheduleToStart` @default 120;
 *   `startToClose` @default 300. Also where the tasks run: `executor` (`'inline'` or `'process'`,
 *   @default the worker's) and, for a child process, `memoryLimitMb` (@default the worker's, 1024).
 * @throws TypeError when an argument has the wrong type; `ConfigurationError` when it breaks one of
 *   SWF's rules, when the class does not extend `Activity`, or when another class already has this
 *   name and version.
 *
 * @example
 * ```ts
 * @activity('echo', 1, 'my-task-list', { startToClose: 60 })
 * class Echo extends Activity {
 *   run(value: string) { return value; }
 * }
 * ```
 */
export function activity(
  name: string,
  version: string | number,
  taskList: string,
  timeouts: ActivityOptions = {},
): ActivityDecorator {
  const where = `@activity(${show(name)}, ${show(version)}, ${show(taskList)})`;
  const spec = compileSpec(where, name, version, taskList, timeouts);
  return <T extends ActivityClass>(target: T, _context?: ClassDecoratorContext): T => {
    assertActivityClass(where, target);
    const definition: ActivityDefinition = Object.freeze({ ...spec, activityClass: target });
    defaultRegistry().register(definition);
    attachDefinition(target, definition);
    return target;
  };
}

/** @internal The definitions `@activity` gave this very class (not inherited ones); empty when none. */
export function definitionsOf(value: unknown): readonly ActivityDefinition[] {
  if (typeof value !== 'function' || !Object.prototype.hasOwnProperty.call(value, DEFINITIONS)) return [];
  const found = (value as unknown as { [DEFINITIONS]: unknown })[DEFINITIONS];
  return Array.isArray(found) ? (found as ActivityDefinition[]) : [];
}

function attachDefinition(target: ActivityClass, definition: ActivityDefinition): void {
  const previous = definitionsOf(target);
  Object.defineProperty(target, DEFINITIONS, {
    value: Object.freeze([...previous, definition]),
    configurable: true,
    enumerable: false,
    writable: false,
  });
}

type Spec = Omit<ActivityDefinition, 'activityClass'>;

function compileSpec(
  where: string,
  name: unknown,
  version: unknown,
  taskList: unknown,
  timeouts: unknown,
): Spec {
  if (typeof name === 'function') {
    throw new TypeError(
      `@activity was applied without arguments to ${className(name)}: write @activity('name', version, 'taskList') ` +
        `(in plain JavaScript: activity('name', version, 'taskList')(class ... extends Activity { ... }))`,
    );
  }
  const checkedName = checkName(where, 'name', name, SWF_LIMITS.name, 'the activity type name');
  const checkedVersion = checkName(where, 'version', versionString(where, version), SWF_LIMITS.version, 'the activity type version');
  const checkedTaskList = checkName(where, 'taskList', taskList, SWF_LIMITS.name, 'the default task list');
  const t = checkTimeouts(where, timeouts);
  const execution = checkExecution(where, timeouts);
  return Object.freeze({
    ...execution,
    name: checkedName,
    version: checkedVersion,
    taskList: checkedTaskList,
    defaults: Object.freeze({
      heartbeatTimeout: t.heartbeat,
      scheduleToCloseTimeout: t.scheduleToClose,
      scheduleToStartTimeout: t.scheduleToStart,
      startToCloseTimeout: t.startToClose,
    }),
  });
}

function versionString(where: string, version: unknown): unknown {
  if (typeof version === 'number') {
    if (!Number.isFinite(version)) {
      throw new TypeError(`${where}: version is ${version}; give a finite number such as 1, or a string such as '1.2'`);
    }
    return String(version);
  }
  if (typeof version !== 'string') {
    throw new TypeError(`${where}: version must be a string or a number, got ${kindOf(version)}`);
  }
  return version;
}

function checkName(where: string, field: string, value: unknown, max: number, what: string): string {
  if (typeof value !== 'string') {
    throw new TypeError(`${where}: ${field} (${what}) must be a string, got ${kindOf(value)}`);
  }
  const problem = nameProblem(value, max);
  if (problem) {
    throw new ConfigurationError(`${where}: ${field} ${problem}; choose ${what} that SWF accepts (1 to ${formatCount(max)} characters)`);
  }
  return value;
}

function checkTimeouts(where: string, timeouts: unknown): Record<(typeof TIMEOUT_KEYS)[number], string> {
  if (timeouts === undefined || timeouts === null) timeouts = {};
  if (typeof timeouts !== 'object' || Array.isArray(timeouts)) {
    throw new TypeError(
      `${where}: timeouts must be an object such as { startToClose: 60 }, got ${kindOf(timeouts)}`,
    );
  }
  const given = timeouts as Record<string, unknown>;
  const known: readonly string[] = [...TIMEOUT_KEYS, ...EXECUTION_KEYS];
  const unknown = Object.keys(given).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw new TypeError(
      `${where}: unknown timeout ${unknown.map((k) => JSON.stringify(k)).join(', ')}; ` +
        `the timeouts are ${TIMEOUT_KEYS.join(', ')} (in seconds, or 'NONE'); the execution options are ${EXECUTION_KEYS.join(', ')}`,
    );
  }
  const out = { ...DEFAULT_TIMEOUTS } as Record<(typeof TIMEOUT_KEYS)[number], string>;
  for (const key of TIMEOUT_KEYS) {
    const value = given[key];
    if (value === undefined) continue;
    out[key] = timeoutString(where, key, value);
  }
  return out;
}

function checkExecution(where: string, options: unknown): { executor?: 'inline' | 'process'; memoryLimitMb?: number } {
  const given = (options ?? {}) as { executor?: unknown; memoryLimitMb?: unknown };
  const out: { executor?: 'inline' | 'process'; memoryLimitMb?: number } = {};
  if (given.executor !== undefined) {
    if (given.executor !== 'inline' && given.executor !== 'process') {
      throw new ConfigurationError(`${where}: executor is ${JSON.stringify(given.executor)}; choose 'inline' or 'process'`);
    }
    out.executor = given.executor;
  }
  if (given.memoryLimitMb !== undefined) {
    const mb = given.memoryLimitMb;
    if (typeof mb !== 'number' || !Number.isInteger(mb) || mb < 16 || mb > 1_048_576) {
      throw new ConfigurationError(`${where}: memoryLimitMb is ${String(mb)}; give whole megabytes from 16 to 1048576, e.g. 512`);
    }
    out.memoryLimitMb = mb;
  }
  return out;
}

function timeoutString(where: string, key: string, value: unknown): string {
  if (value === 'NONE') return 'NONE';
  if (typeof value === 'string') {
    const hint = value.trim().toUpperCase() === 'NONE' ? `write 'NONE' exactly` : `give a number of seconds such as 300, or 'NONE'`;
    throw new TypeError(`${where}: timeouts.${key} is ${JSON.stringify(value)}; ${hint}`);
  }
  if (typeof value !== 'number') {
    throw new TypeError(`${where}: timeouts.${key} must be a whole number of seconds or 'NONE', got ${kindOf(value)}`);
  }
  if (!Number.isInteger(value) || value < 0) {
    throw new ConfigurationError(
      `${where}: timeouts.${key} is ${value}; SWF takes whole, non-negative seconds: round it (e.g. ${Math.max(0, Math.ceil(Number.isFinite(value) ? value : 0))}) or use 'NONE' for no limit`,
    );
  }
  if (value > MAX_TIMEOUT_SECONDS) {
    throw new ConfigurationError(
      `${where}: timeouts.${key} is ${formatCount(value)} seconds; SWF allows at most ${formatCount(MAX_TIMEOUT_SECONDS)} ` +
        `(8 digits): use a smaller value, or 'NONE' for no limit`,
    );
  }
  return String(value);
}

function assertActivityClass(where: string, target: unknown): asserts target is ActivityClass {
  if (typeof target !== 'function') {
    throw new TypeError(
      `${where} must decorate a class that extends Activity, got ${kindOf(target)}; ` +
        `in plain JavaScript write activity('name', version, 'taskList')(class Name extends Activity { ... })`,
    );
  }
  // Walks the prototype chain rather than using instanceof: two copies of flowy-swf (say a global CLI
  // and the project's own) have two Activity classes, and either must do.
  const proto = (target as { prototype?: Record<string, unknown> }).prototype;
  if (typeof proto?.run !== 'function') {
    throw new ConfigurationError(
      `${where}: ${className(target)} has no run() method; an activity class must extend Activity and override run()`,
    );
  }
  if (typeof proto.deserializeArguments !== 'function' || typeof proto.serializeResult !== 'function') {
    throw new ConfigurationError(
      `${where}: ${className(target)} has run() but does not extend Activity (it has no deserializeArguments() and ` +
        `serializeResult()); write \`class ${target.name || 'Name'} extends Activity\` with Activity imported from 'flowy-swf'`,
    );
  }
}

function show(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 32)}…` : value;
    return `${JSON.stringify(shown).replace(/^"|"$/g, "'")}${shown === value ? '' : ` (${formatCount(value.length)} characters)`}`;
  }
  if (typeof value === 'number') return String(value);
  if (typeof value === 'function') return className(value);
  return kindOf(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'function') return className(value);
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
  return typeof value === 'object' ? 'an object' : typeof value;
}
