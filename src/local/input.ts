/** Request bodies as the operations see them: the SDK's own input types, after validation. @internal */

type Scalar = string | number | boolean | Date | Uint8Array;

/** The members a type declares without `?`: SWF's required members. */
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];

/**
 * An SDK input type once validate.ts has checked it against the SWF model: required members are present
 * (never `undefined` or `null`), optional ones may be absent, and nothing the model does not name is left.
 */
export type Checked<T> = T extends Scalar
  ? T
  : T extends readonly (infer U)[]
    ? Checked<U>[]
    : T extends object
      ? { [K in RequiredKeys<T>]: Checked<NonNullable<T[K]>> } & { [K in Exclude<keyof T, RequiredKeys<T>>]?: Checked<NonNullable<T[K]>> }
      : T;
