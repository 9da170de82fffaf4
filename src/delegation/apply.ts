import { encodeJsonResult } from '../swf/codec.js';
import { formatCount, SWF_LIMITS } from '../swf/limits.js';
import { LimitError } from '../swf/errors.js';
import {
  encodeHeartbeatDetails,
  recordHeartbeat,
  respondCanceled,
  respondCompleted,
  respondFailed,
  type RespondOptions,
  type RespondOutcome,
  type SwfSender,
} from '../swf/respond.js';

/** The states a callback reports, after Mistral's action executions. */
export const CALLBACK_STATES = ['SUCCESS', 'ERROR', 'CANCELLED', 'RUNNING'] as const;
/** One of {@link CALLBACK_STATES}. */
export type CallbackState = (typeof CALLBACK_STATES)[number];

/** The body of `PUT /v1/callbacks/{id}`. */
export interface CallbackBody {
  state: CallbackState;
  /** SUCCESS: the task's result, any JSON value (encoded as the worker encodes a returned value). */
  output?: unknown;
  /** ERROR: why the work failed, at most 256 characters. */
  reason?: string;
  /** ERROR, CANCELLED: details (a string as is, else JSON), at most 32,768 characters. RUNNING: progress, at most 2,048. */
  details?: unknown;
}

/** A body that passes the schema but breaks SWF's limits or the state's rules; HTTP 400. */
export class CallbackBodyError extends LimitError {
  override name = 'CallbackBodyError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const ALLOWED: Record<CallbackState, readonly string[]> = {
  SUCCESS: ['output'],
  ERROR: ['reason', 'details'],
  CANCELLED: ['details'],
  RUNNING: ['details'],
};

/** A prepared SWF call: checked and encoded, ready to send. */
export interface PreparedCallback {
  readonly state: CallbackState;
  send(client: SwfSender, taskToken: string, retry: RespondOptions): Promise<CallbackApplied>;
}

/** What applying a callback did. */
export type CallbackApplied = { outcome: RespondOutcome } | { cancelRequested: boolean };

function textOf(field: string, value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    const text = JSON.stringify(value);
    if (text !== undefined) return text;
  } catch {
    // falls through
  }
  throw new CallbackBodyError(field, `${field} has no JSON form; send a string or plain JSON data`);
}

function fits(field: string, text: string, max: number, fix: string): string {
  if (text.length > max) {
    throw new CallbackBodyError(field, `${field} is ${formatCount(text.length)} characters${field === 'output' ? ' as JSON' : ''}; SWF allows ${formatCount(max)}: ${fix}`);
  }
  return text;
}

/**
 * Checks a schema-valid body against the state's rules and SWF's limits, and encodes it. Throws
 * {@link CallbackBodyError} naming the field and the limit. Nothing is sent.
 */
export function prepareCallback(body: CallbackBody): PreparedCallback {
  const state = body.state;
  for (const field of ['output', 'reason', 'details'] as const) {
    if (body[field] !== undefined && !ALLOWED[state].includes(field)) {
      throw new CallbackBodyError(field, `${field} does not go with state ${state}; ${state} takes ${ALLOWED[state].join(' and ')}`);
    }
  }
  switch (state) {
    case 'SUCCESS': {
      const result = fits('output', encodeJsonResult(body.output, 'send plain JSON'), SWF_LIMITS.data, 'send less, or store it elsewhere and send a reference');
      return { state, send: async (client, token, retry) => ({ outcome: await respondCompleted(client, token, result, retry) }) };
    }
    case 'ERROR': {
      if (typeof body.reason !== 'string' || body.reason === '') {
        throw new CallbackBodyError('reason', 'reason is required with state ERROR: say in a sentence why the work failed (at most 256 characters)');
      }
      const reason = fits('reason', body.reason, SWF_LIMITS.reason, 'put the long form in details');
      const details = body.details === undefined ? undefined : fits('details', textOf('details', body.details), SWF_LIMITS.data, 'send shorter details');
      return { state, send: async (client, token, retry) => ({ outcome: await respondFailed(client, token, reason, details, retry) }) };
    }
    case 'CANCELLED': {
      const details = body.details === undefined ? undefined : fits('details', textOf('details', body.details), SWF_LIMITS.data, 'send shorter details');
      return { state, send: async (client, token, retry) => ({ outcome: await respondCanceled(client, token, details, retry) }) };
    }
    case 'RUNNING': {
      let details: string | undefined;
      try {
        details = encodeHeartbeatDetails(body.details);
      } catch (error) {
        throw new CallbackBodyError('details', (error as Error).message.replace(/^heartbeat details/, 'details'));
      }
      return {
        state,
        send: async (client, token, retry) => ({ cancelRequested: (await recordHeartbeat(client, token, details, retry)) === 'cancel-requested' }),
      };
    }
  }
}
