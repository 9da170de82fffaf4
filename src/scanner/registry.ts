import { ConfigurationError } from '../swf/errors.js';
import type { ActivityDefinition, ActivityLookup } from './types.js';

/** @internal How error messages name a class: its name, or a stand-in for an anonymous one. */
export function className(cls: unknown): string {
  const name = typeof cls === 'function' ? cls.name : '';
  return name ? `class ${name}` : 'an anonymous class';
}

/** @internal How messages name an activity type: `echo 1`. */
export function typeLabel(def: { readonly name: string; readonly version: string }): string {
  return `${def.name} ${def.version}`;
}

const versionOrder = new Intl.Collator('en', { numeric: true });

function ordinal(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * @internal The registry's order: name by code unit, then version with digit runs compared as numbers
 * (`2` before `10`), code units breaking ties so the order is total.
 */
export function compareDefinitions(a: ActivityDefinition, b: ActivityDefinition): number {
  return ordinal(a.name, b.name) || versionOrder.compare(a.version, b.version) || ordinal(a.version, b.version);
}

function keyOf(name: string, version: string): string {
  // SWF names cannot contain control characters, so U+0000 cannot be part of either half.
  return `${name}\u0000${version}`;
}

/**
 * Activity types by name and version: what a worker looks a polled task's `activityType` up in.
 *
 * Each name and version pair may be registered once. Registering the very same definition (same
 * class, same defaults) again is a no-op, so a class exported by two modules, or found both by the
 * decorator and by {@link scan}, is not a conflict.
 */
export class ActivityRegistry implements ActivityLookup {
  readonly #byKey = new Map<string, ActivityDefinition>();

  /**
   * Adds an activity type. Throws `ConfigurationError` naming both classes when another class already
   * holds the same name and version, or when the same class was registered with other defaults.
   */
  register(definition: ActivityDefinition): void {
    const key = keyOf(definition.name, definition.version);
    const existing = this.#byKey.get(key);
    if (!existing) {
      this.#byKey.set(key, definition);
      return;
    }
    if (existing === definition || sameDefinition(existing, definition)) {
      // The scanner adds the module file to a definition the decorator made: keep the richer one.
      if (existing.file === undefined && definition.file !== undefined) this.#byKey.set(key, definition);
      return;
    }
    const label = typeLabel(definition);
    if (existing.activityClass === definition.activityClass) {
      throw new ConfigurationError(
        `activity type ${label} is registered twice by ${className(definition.activityClass)} with different defaults ` +
          `(first ${describeDefaults(existing)}; then ${describeDefaults(definition)}); keep one @activity(...) per name and version`,
      );
    }
    throw new ConfigurationError(
      `activity type ${label} is registered twice: by ${className(existing.activityClass)} and by ${className(definition.activityClass)}. ` +
        `A name and version pair identifies one implementation: give one of them another name or version`,
    );
  }

  /** The activity type registered under `name` and `version` (a number is turned into its string), if any. */
  get(name: string, version: string | number): ActivityDefinition | undefined {
    return this.#byKey.get(keyOf(name, String(version)));
  }

  /** True when an activity type is registered under `name` and `version`. */
  has(name: string, version: string | number): boolean {
    return this.#byKey.has(keyOf(name, String(version)));
  }

  /** Every registered activity type, sorted by name, then version (`2` before `10`). */
  list(): ActivityDefinition[] {
    return [...this.#byKey.values()].sort(compareDefinitions);
  }

  /** How many activity types are registered. */
  get size(): number {
    return this.#byKey.size;
  }

  /** Forgets every activity type. Classes keep their `@activity` metadata, so a new {@link scan} finds exported ones again. */
  clear(): void {
    this.#byKey.clear();
  }
}

function sameDefinition(a: ActivityDefinition, b: ActivityDefinition): boolean {
  return (
    a.activityClass === b.activityClass &&
    a.taskList === b.taskList &&
    a.executor === b.executor &&
    a.memoryLimitMb === b.memoryLimitMb &&
    a.defaults.heartbeatTimeout === b.defaults.heartbeatTimeout &&
    a.defaults.scheduleToCloseTimeout === b.defaults.scheduleToCloseTimeout &&
    a.defaults.scheduleToStartTimeout === b.defaults.scheduleToStartTimeout &&
    a.defaults.startToCloseTimeout === b.defaults.startToCloseTimeout
  );
}

function describeDefaults(def: ActivityDefinition): string {
  const d = def.defaults;
  return (
    `taskList ${def.taskList}, heartbeat ${d.heartbeatTimeout}, scheduleToClose ${d.scheduleToCloseTimeout}, ` +
    `scheduleToStart ${d.scheduleToStartTimeout}, startToClose ${d.startToCloseTimeout}`
  );
}

/** The shape two copies of flowy-swf agree on, checked before an instance found on `globalThis` is trusted. */
interface RegistryLike extends ActivityLookup {
  register(definition: ActivityDefinition): void;
  clear(): void;
  readonly size: number;
}

const REGISTRY_KEY = Symbol.for('flowy-swf.registry');

function isRegistryLike(value: unknown): value is RegistryLike {
  const r = value as Partial<RegistryLike> | null | undefined;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.register === 'function' &&
    typeof r.get === 'function' &&
    typeof r.list === 'function' &&
    typeof r.clear === 'function'
  );
}

/**
 * The registry `@activity` writes to and {@link scan} reads by default: one instance per process,
 * kept on `globalThis` under `Symbol.for('flowy-swf.registry')`, so that activities decorated with
 * one copy of flowy-swf are found by another (e.g. a CLI installed globally and the project's own copy).
 */
export function defaultRegistry(): ActivityRegistry {
  const holder = globalThis as { [REGISTRY_KEY]?: unknown };
  const existing = holder[REGISTRY_KEY];
  if (existing === undefined) {
    const created = new ActivityRegistry();
    Object.defineProperty(holder, REGISTRY_KEY, { value: created, configurable: true, writable: false, enumerable: false });
    return created;
  }
  if (!isRegistryLike(existing)) {
    throw new ConfigurationError(
      `globalThis[Symbol.for('flowy-swf.registry')] holds something that is not an activity registry; ` +
        `it is reserved for flowy-swf's default registry: do not assign it`,
    );
  }
  // Another copy of flowy-swf may have created it: the same shape, perhaps not the same class.
  return existing as ActivityRegistry;
}
