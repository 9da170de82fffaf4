/** SWF's wire protocol (awsJson 1.0): fault types and how values are written. */

/** Namespace SWF puts before its faults' names in `__type`. */
const FAULT_NAMESPACE = 'com.amazonaws.swf.base.model#';

/** Every fault the local endpoint can answer, named as SWF names them. */
export type FaultName =
  | 'UnknownResourceFault'
  | 'DomainAlreadyExistsFault'
  | 'DomainDeprecatedFault'
  | 'TypeAlreadyExistsFault'
  | 'TypeDeprecatedFault'
  | 'TypeNotDeprecatedFault'
  | 'LimitExceededFault'
  | 'OperationNotPermittedFault'
  | 'WorkflowExecutionAlreadyStartedFault'
  | 'DefaultUndefinedFault'
  | 'TooManyTagsFault'
  | 'ValidationException'
  | 'UnknownOperationException'
  | 'SerializationException'
  | 'ThrottlingException'
  | 'InternalFailure'
  | 'RequestEntityTooLarge'
  | 'MissingAuthenticationTokenException'
  | 'IncompleteSignatureException'
  | 'InvalidSignatureException'
  | 'UnrecognizedClientException'
  | 'AccessDeniedException';

/** A fault answered to the caller as SWF would: HTTP status plus `{ __type, message }`. */
export class SwfFault extends Error {
  override name = 'SwfFault';
  readonly type: FaultName;
  readonly status: number;
  constructor(type: FaultName, message: string, status = 400) {
    super(message);
    this.type = type;
    this.status = status;
  }

  /** The JSON body SWF sends for this fault. */
  body(): { __type: string; message: string } {
    const modelled = this.type.endsWith('Fault');
    return { __type: modelled ? FAULT_NAMESPACE + this.type : this.type, message: this.message };
  }
}

/** Shorthand for `new SwfFault('UnknownResourceFault', message)`. */
export function unknownResource(message: string): SwfFault {
  return new SwfFault('UnknownResourceFault', message);
}

/** Timestamps travel as epoch seconds with a fraction, as SWF writes them. */
export function epochSeconds(ms: number): number {
  return ms / 1000;
}

/** Parses an epoch-seconds timestamp from a request (number, or a numeric string). */
export function parseEpochSeconds(value: unknown): number | undefined {
  if (typeof value === 'number') return value * 1000;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value) * 1000;
  return undefined;
}

/**
 * A duration string of SWF: whole seconds, or `NONE` (no limit → `undefined`).
 * Throws a ValidationException for anything else.
 */
export function parseDuration(value: string, what: string): number | undefined {
  if (value === 'NONE') return undefined;
  if (!/^\d{1,8}$/.test(value)) {
    throw new SwfFault('ValidationException', `Invalid duration for ${what}: '${value}'; expected whole seconds or NONE`);
  }
  return Number(value) * 1000;
}
