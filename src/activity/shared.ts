/**
 * State that must be one per process, not one per copy of flowy-swf. A process can hold two copies: a
 * CLI installed globally or through `npx` and the copy a project's activities import, or the built package
 * and its TypeScript sources. The worker of one copy runs activities written against the other, so the
 * per-task context and the classes the worker recognises live on `globalThis` under `Symbol.for` keys.
 */

/** @internal The one value of `name` in this process, made by the first copy of flowy-swf that asks. */
export function processSingleton<T extends object>(name: string, make: () => T, fits: (value: object) => boolean): T {
  const key = Symbol.for(`flowy-swf.${name}`);
  const holder = globalThis as Record<symbol, unknown>;
  const existing = holder[key];
  if (existing !== undefined) {
    if (typeof existing === 'object' && existing !== null && fits(existing)) return existing as T;
    throw new TypeError(
      `globalThis[Symbol.for('flowy-swf.${name}')] holds something flowy-swf did not put there; remove whatever sets it`,
    );
  }
  const made = make();
  Object.defineProperty(holder, key, { value: made, configurable: false, enumerable: false, writable: false });
  return made;
}

/** @internal The brand that marks instances of a flowy-swf class, whichever copy made them. */
export function brandOf(name: string): symbol {
  return Symbol.for(`flowy-swf.brand.${name}`);
}

/** @internal `instanceof` for a branded class: any copy's instance passes; a subclass keeps ordinary semantics. */
export function isBranded(cls: Function, base: Function, brand: symbol, value: unknown): boolean {
  if (cls !== base) return Function.prototype[Symbol.hasInstance].call(cls, value);
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}
