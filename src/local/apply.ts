/** Applies one call to the engine: validation, the operation, and a fault for whatever goes wrong. @internal */
import { SwfFault } from './protocol.js';
import { validateInput } from './validate.js';
import { OPERATIONS } from './operations.js';
import type { Engine } from './state.js';

/** What a call ends in: an answer, or a fault to send. */
export type CallResult = { ok: Record<string, unknown> } | { fault: SwfFault };

/** The fault to answer for `error`: itself when it is one, else an InternalFailure (HTTP 500) naming it. */
export function faultOf(error: unknown): SwfFault {
  if (error instanceof SwfFault) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new SwfFault('InternalFailure', `Internal error of the local SWF endpoint: ${message}`, 500);
}

/**
 * Validates `input` against the model of `operation` (keeping only the members it names), applies the
 * operation, and enforces the limits a call may have crossed. Never throws: every failure is a fault.
 */
export async function applyCall(engine: Engine, operation: string, input: unknown, signal?: AbortSignal): Promise<CallResult> {
  try {
    const apply = OPERATIONS[operation];
    if (apply === undefined) throw new SwfFault('UnknownOperationException', `Operation ${operation} is not supported`);
    // Operations see only what the model names: unknown members and nulls never reach the engine.
    const valid = validateInput(operation, input);
    return { ok: await apply(engine, valid, signal ? { signal } : {}) };
  } catch (error) {
    return { fault: faultOf(error) };
  } finally {
    engine.settle();
  }
}
