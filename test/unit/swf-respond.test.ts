import {
  RecordActivityTaskHeartbeatCommand,
  RespondActivityTaskCanceledCommand,
  RespondActivityTaskCompletedCommand,
  RespondActivityTaskFailedCommand,
  SWFClient,
  UnknownResourceFault,
} from '@aws-sdk/client-swf';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  LimitError,
  ResultError,
  TRUNCATION_MARKER,
  TaskClosedError,
  encodeHeartbeatDetails,
  fitDetails,
  recordHeartbeat,
  respondCanceled,
  respondCompleted,
  respondFailed,
  tokenDigest,
  type Backoff,
  type RespondOptions,
} from '../../src/swf/index.js';
import { FakeClock } from './fake-clock.js';

const swf = mockClient(SWFClient);
const client = new SWFClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 's' } });
const TOKEN = 'AAAAKgAAAAIAAAAAAAAAAtoken-body-' + 'k'.repeat(300);

const fakeClock = (): FakeClock => new FakeClock(true);

const steps: Backoff = { delay: (attempt) => 100 * (attempt + 1) };

class ThrottlingException extends Error {
  override name = 'ThrottlingException';
  $metadata = { httpStatusCode: 400 };
}

const throttled = (): Error => new ThrottlingException('Rate exceeded');
const reset = (): Error => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
const refused = (): Error => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8080'), { code: 'ECONNREFUSED' });
const internal = (): Error => Object.assign(new Error('We encountered an internal error'), { name: 'InternalFailure', $metadata: { httpStatusCode: 500 } });
const unknownResource = (): UnknownResourceFault =>
  new UnknownResourceFault({ message: 'Unknown activity task', $metadata: { httpStatusCode: 400 } });

let clock: ReturnType<typeof fakeClock>;
let options: RespondOptions;

beforeEach(() => {
  swf.reset();
  clock = fakeClock();
  options = { clock, backoff: steps };
});

afterEach(() => {
  swf.reset();
});

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('respondCompleted', () => {
  it("sends the token and result, and is 'applied' when SWF takes it at once", async () => {
    swf.on(RespondActivityTaskCompletedCommand).resolves({});
    expect(await respondCompleted(client, TOKEN, '"ok"', options)).toBe('applied');
    const calls = swf.commandCalls(RespondActivityTaskCompletedCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({ taskToken: TOKEN, result: '"ok"' });
    expect(clock.sleeps).toEqual([]);
  });

  it("retries transient errors with the backoff until SWF answers, then is 'applied'", async () => {
    swf
      .on(RespondActivityTaskCompletedCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(refused())
      .rejectsOnce(internal())
      .rejectsOnce(reset())
      .resolves({});
    const retries: number[] = [];
    const outcome = await respondCompleted(client, TOKEN, '1', { ...options, onRetry: (_e, attempt) => retries.push(attempt) });
    expect(outcome).toBe('applied');
    expect(swf.commandCalls(RespondActivityTaskCompletedCommand)).toHaveLength(5);
    expect(clock.sleeps).toEqual([100, 200, 300, 400]);
    expect(retries).toEqual([0, 1, 2, 3]);
  });

  it.each<[string, () => Error]>([
    ['ECONNRESET', reset],
    ['a 500', internal],
  ])("is 'probably-applied' when an attempt that may have reached SWF (%s) is followed by UnknownResourceFault", async (_what, first) => {
    swf.on(RespondActivityTaskCompletedCommand).rejectsOnce(first()).rejectsOnce(unknownResource()).resolves({});
    expect(await respondCompleted(client, TOKEN, '1', options)).toBe('probably-applied');
    expect(swf.commandCalls(RespondActivityTaskCompletedCommand)).toHaveLength(2);
  });

  it("is 'probably-applied' when throttled attempts come after the one that may have reached SWF", async () => {
    swf.on(RespondActivityTaskCompletedCommand).rejectsOnce(reset()).rejectsOnce(throttled()).rejectsOnce(unknownResource());
    expect(await respondCompleted(client, TOKEN, '1', options)).toBe('probably-applied');
  });

  it('throws TaskClosedError on UnknownResourceFault at the first attempt, without retrying or showing the token', async () => {
    const fault = unknownResource();
    swf.on(RespondActivityTaskCompletedCommand).rejectsOnce(fault).resolves({});
    const error = await rejection(respondCompleted(client, TOKEN, '1', options));
    expect(error).toBeInstanceOf(TaskClosedError);
    expect((error as TaskClosedError).tokenDigest).toBe(tokenDigest(TOKEN));
    expect(error.message).toContain(`RespondActivityTaskCompleted for task ${tokenDigest(TOKEN)}`);
    expect(error.message).toContain('UnknownResourceFault');
    expect(error.message).not.toContain('token-body');
    expect(error.cause).toBe(fault);
    expect(swf.commandCalls(RespondActivityTaskCompletedCommand)).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('throws TaskClosedError when only throttled or refused attempts came before UnknownResourceFault', async () => {
    swf
      .on(RespondActivityTaskCompletedCommand)
      .rejectsOnce(throttled())
      .rejectsOnce(refused())
      .rejectsOnce(throttled())
      .rejectsOnce(unknownResource());
    await expect(respondCompleted(client, TOKEN, '1', options)).rejects.toBeInstanceOf(TaskClosedError);
    expect(swf.commandCalls(RespondActivityTaskCompletedCommand)).toHaveLength(4);
  });

  it('throws a non-transient error as it is, after one attempt', async () => {
    const validation = Object.assign(new Error('1 validation error'), { name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    swf.on(RespondActivityTaskCompletedCommand).rejects(validation);
    await expect(respondCompleted(client, TOKEN, '1', options)).rejects.toBe(validation);
    expect(swf.commandCalls(RespondActivityTaskCompletedCommand)).toHaveLength(1);
  });

  it('throws the last transient error when maxAttempts run out', async () => {
    swf.on(RespondActivityTaskCompletedCommand).rejects(internal());
    await expect(respondCompleted(client, TOKEN, '1', { ...options, maxAttempts: 3 })).rejects.toMatchObject({ name: 'InternalFailure' });
    expect(swf.commandCalls(RespondActivityTaskCompletedCommand)).toHaveLength(3);
  });

  it('throws ResultError for a result over 32,768 characters before any call', async () => {
    swf.on(RespondActivityTaskCompletedCommand).resolves({});
    await expect(async () => respondCompleted(client, TOKEN, 'x'.repeat(32_769), options)).rejects.toThrow(ResultError);
    expect(swf.commandCalls(RespondActivityTaskCompletedCommand)).toHaveLength(0);
  });
});

describe('respondFailed', () => {
  it('sends the reason and details as given when they fit', async () => {
    swf.on(RespondActivityTaskFailedCommand).resolves({});
    expect(await respondFailed(client, TOKEN, 'Error: boom', '{"type":"Error"}', options)).toBe('applied');
    expect(swf.commandCalls(RespondActivityTaskFailedCommand)[0]?.args[0].input).toEqual({
      taskToken: TOKEN,
      reason: 'Error: boom',
      details: '{"type":"Error"}',
    });
  });

  it('cuts the reason to 256 characters with the marker', async () => {
    swf.on(RespondActivityTaskFailedCommand).resolves({});
    await respondFailed(client, TOKEN, 'r'.repeat(1_000), undefined, options);
    const reason = swf.commandCalls(RespondActivityTaskFailedCommand)[0]?.args[0].input.reason;
    expect(reason).toBe('r'.repeat(256 - TRUNCATION_MARKER.length) + TRUNCATION_MARKER);
  });

  it('throws LimitError for details over 32,768 characters before any call', async () => {
    swf.on(RespondActivityTaskFailedCommand).resolves({});
    await expect(async () => respondFailed(client, TOKEN, 'r', 'd'.repeat(32_769), options)).rejects.toThrow(
      /failure details is 32,769 characters; SWF allows 32,768/,
    );
    expect(swf.commandCalls(RespondActivityTaskFailedCommand)).toHaveLength(0);
  });

  it('retries and classifies like respondCompleted', async () => {
    swf.on(RespondActivityTaskFailedCommand).rejectsOnce(reset()).rejectsOnce(unknownResource());
    expect(await respondFailed(client, TOKEN, 'r', undefined, options)).toBe('probably-applied');
  });
});

describe('respondCanceled', () => {
  it('sends the details and throws TaskClosedError naming the operation when the task is closed', async () => {
    swf.on(RespondActivityTaskCanceledCommand).resolvesOnce({}).rejects(unknownResource());
    expect(await respondCanceled(client, TOKEN, 'stopped', options)).toBe('applied');
    expect(swf.commandCalls(RespondActivityTaskCanceledCommand)[0]?.args[0].input).toEqual({ taskToken: TOKEN, details: 'stopped' });
    const error = await rejection(respondCanceled(client, TOKEN, undefined, options));
    expect(error).toBeInstanceOf(TaskClosedError);
    expect(error.message).toMatch(/^RespondActivityTaskCanceled for task [0-9a-f]{12}:/);
  });
});

describe('recordHeartbeat', () => {
  it("returns 'cancel-requested' when SWF asks the task to cancel, 'ok' otherwise", async () => {
    swf.on(RecordActivityTaskHeartbeatCommand).resolvesOnce({ cancelRequested: true }).resolves({ cancelRequested: false });
    expect(await recordHeartbeat(client, TOKEN, '50%', options)).toBe('cancel-requested');
    expect(await recordHeartbeat(client, TOKEN, undefined, options)).toBe('ok');
    expect(swf.commandCalls(RecordActivityTaskHeartbeatCommand)[0]?.args[0].input).toEqual({ taskToken: TOKEN, details: '50%' });
  });

  it('retries transient errors', async () => {
    swf.on(RecordActivityTaskHeartbeatCommand).rejectsOnce(throttled()).rejectsOnce(reset()).resolves({ cancelRequested: false });
    expect(await recordHeartbeat(client, TOKEN, undefined, options)).toBe('ok');
    expect(clock.sleeps).toEqual([100, 200]);
  });

  it('throws TaskClosedError on UnknownResourceFault, even after an attempt that may have reached SWF', async () => {
    swf.on(RecordActivityTaskHeartbeatCommand).rejectsOnce(reset()).rejects(unknownResource());
    const error = await rejection(recordHeartbeat(client, TOKEN, undefined, options));
    expect(error).toBeInstanceOf(TaskClosedError);
    expect(error.message).toMatch(/^RecordActivityTaskHeartbeat for task [0-9a-f]{12}:/);
    expect(error.message).not.toContain('token-body');
  });
});

describe('encodeHeartbeatDetails', () => {
  it('keeps a string as is and encodes anything else as JSON', () => {
    expect(encodeHeartbeatDetails('50%')).toBe('50%');
    expect(encodeHeartbeatDetails({ step: 2, of: 5 })).toBe('{"step":2,"of":5}');
    expect(encodeHeartbeatDetails(0)).toBe('0');
    expect(encodeHeartbeatDetails(null)).toBe('null');
  });

  it('gives undefined for undefined', () => {
    expect(encodeHeartbeatDetails(undefined)).toBeUndefined();
  });

  it('takes exactly 2,048 characters', () => {
    expect(encodeHeartbeatDetails('h'.repeat(2_048))).toHaveLength(2_048);
  });

  it('throws LimitError over 2,048 characters, naming the size, the limit and the fix', () => {
    expect(() => encodeHeartbeatDetails('h'.repeat(2_049))).toThrow(LimitError);
    expect(() => encodeHeartbeatDetails({ log: 'h'.repeat(2_100) })).toThrow(
      /^heartbeat details is 2,11\d characters; SWF allows 2,048: send a shorter progress note/,
    );
  });
});

describe('details with no JSON form', () => {
  it('heartbeat details: a LimitError that names them, not a bare TypeError', () => {
    expect(() => encodeHeartbeatDetails({ n: 1n })).toThrow(LimitError);
    expect(() => encodeHeartbeatDetails({ n: 1n })).toThrow(/^heartbeat details cannot be serialized as JSON/);
  });

  it('failure details: a LimitError that names them', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => fitDetails(cyclic)).toThrow(LimitError);
    expect(() => fitDetails(cyclic)).toThrow(/^details cannot be serialized as JSON/);
  });
});
