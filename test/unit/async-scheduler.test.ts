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
import { asyncScheduler, type AsyncSchedulerOptions } from '../../src/async-scheduler/index.js';
import { ConfigurationError, LimitError, TaskClosedError } from '../../src/swf/errors.js';
import { TRUNCATION_MARKER } from '../../src/swf/failure.js';
import { tokenDigest } from '../../src/swf/token.js';
import { FakeClock } from './fake-clock.js';

const swf = mockClient(SWFClient);
const TOKEN = 'AAAAKgAAAAIAAAAAAAAAA' + 'x'.repeat(600) + 'END-OF-TOKEN';

const fakeClock = (): FakeClock => new FakeClock(true);

/** SWF throttles with a ThrottlingException that the SDK has no class for. */
class ThrottlingException extends Error {
  override name = 'ThrottlingException';
  $metadata = { httpStatusCode: 400 };
}

function throttled(): ThrottlingException {
  return new ThrottlingException('Rate exceeded');
}

function unknownResource(): UnknownResourceFault {
  return new UnknownResourceFault({ message: 'Unknown activity task', $metadata: { httpStatusCode: 400 } });
}

let clock: ReturnType<typeof fakeClock>;
const scheduler = (options: AsyncSchedulerOptions = {}) =>
  asyncScheduler({ client: new SWFClient({ region: 'us-east-1' }), clock, ...options });

beforeEach(() => {
  swf.reset();
  clock = fakeClock();
});

afterEach(() => {
  swf.reset();
});

describe('asyncScheduler', () => {
  it('completes with the result encoded as JSON', async () => {
    swf.on(RespondActivityTaskCompletedCommand).resolves({});
    await expect(scheduler().complete(TOKEN, { approved: true, by: 'ana' })).resolves.toBe('applied');
    const calls = swf.commandCalls(RespondActivityTaskCompletedCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.args[0].input).toEqual({ taskToken: TOKEN, result: '{"approved":true,"by":"ana"}' });
  });

  it('completes with null when the result is undefined', async () => {
    swf.on(RespondActivityTaskCompletedCommand).resolves({});
    await scheduler().complete(TOKEN);
    expect(swf.commandCalls(RespondActivityTaskCompletedCommand)[0]!.args[0].input.result).toBe('null');
  });

  it('fails with reason and JSON details', async () => {
    swf.on(RespondActivityTaskFailedCommand).resolves({});
    await expect(scheduler().fail(TOKEN, 'rejected by reviewer', { reviewer: 'ana' })).resolves.toBe('applied');
    expect(swf.commandCalls(RespondActivityTaskFailedCommand)[0]!.args[0].input).toEqual({
      taskToken: TOKEN,
      reason: 'rejected by reviewer',
      details: '{"reviewer":"ana"}',
    });
  });

  it('fails with string details as they are, and no details when none are given', async () => {
    swf.on(RespondActivityTaskFailedCommand).resolves({});
    await scheduler().fail(TOKEN, 'r', 'plain text');
    await scheduler().fail(TOKEN, 'r');
    const calls = swf.commandCalls(RespondActivityTaskFailedCommand);
    expect(calls[0]!.args[0].input.details).toBe('plain text');
    expect(calls[1]!.args[0].input.details).toBeUndefined();
  });

  it('cuts a long reason to 256 characters with a visible marker', async () => {
    swf.on(RespondActivityTaskFailedCommand).resolves({});
    await scheduler().fail(TOKEN, 'x'.repeat(1_000));
    const reason = swf.commandCalls(RespondActivityTaskFailedCommand)[0]!.args[0].input.reason!;
    expect(reason).toHaveLength(256);
    expect(reason.endsWith(TRUNCATION_MARKER)).toBe(true);
  });

  it('cuts long details so they stay valid JSON', async () => {
    swf.on(RespondActivityTaskFailedCommand).resolves({});
    await scheduler().fail(TOKEN, 'r', { log: '"quoted"\n'.repeat(10_000) });
    const details = swf.commandCalls(RespondActivityTaskFailedCommand)[0]!.args[0].input.details!;
    expect(details.length).toBeLessThanOrEqual(32_768);
    expect(JSON.parse(details)).toMatchObject({ truncated: true });
  });

  it('rejects a reason that is not a string, before any call', async () => {
    await expect(scheduler().fail(TOKEN, 42 as unknown as string)).rejects.toThrow(LimitError);
    expect(swf.calls()).toHaveLength(0);
  });

  it('cancels with details', async () => {
    swf.on(RespondActivityTaskCanceledCommand).resolves({});
    await expect(scheduler().cancel(TOKEN, { note: 'stopped by operator' })).resolves.toBe('applied');
    expect(swf.commandCalls(RespondActivityTaskCanceledCommand)[0]!.args[0].input).toEqual({
      taskToken: TOKEN,
      details: '{"note":"stopped by operator"}',
    });
  });

  it('heartbeats with details and resolves true while no cancel is requested', async () => {
    swf.on(RecordActivityTaskHeartbeatCommand).resolves({ cancelRequested: false });
    await expect(scheduler().heartbeat(TOKEN, { percent: 40 })).resolves.toBe(true);
    expect(swf.commandCalls(RecordActivityTaskHeartbeatCommand)[0]!.args[0].input).toEqual({
      taskToken: TOKEN,
      details: '{"percent":40}',
    });
  });

  it('heartbeat resolves false when SWF answers cancelRequested', async () => {
    swf.on(RecordActivityTaskHeartbeatCommand).resolves({ cancelRequested: true });
    await expect(scheduler().heartbeat(TOKEN)).resolves.toBe(false);
  });

  it('rejects heartbeat details over 2,048 characters before any call', async () => {
    await expect(scheduler().heartbeat(TOKEN, 'x'.repeat(2_049))).rejects.toThrow(/2,049 characters; SWF allows 2,048/);
    expect(swf.calls()).toHaveLength(0);
  });

  describe('a closed or unknown token', () => {
    const operations = {
      complete: (s: ReturnType<typeof scheduler>) => s.complete(TOKEN, 1),
      fail: (s: ReturnType<typeof scheduler>) => s.fail(TOKEN, 'r'),
      cancel: (s: ReturnType<typeof scheduler>) => s.cancel(TOKEN),
      heartbeat: (s: ReturnType<typeof scheduler>) => s.heartbeat(TOKEN),
    };
    for (const [name, call] of Object.entries(operations)) {
      it(`${name} rejects TaskClosedError naming the digest, not the token`, async () => {
        swf.onAnyCommand().rejects(unknownResource());
        const error = await call(scheduler()).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TaskClosedError);
        const message = (error as TaskClosedError).message;
        expect(message).toMatch(/closed, timed out or unknown/);
        expect(message).toContain(tokenDigest(TOKEN));
        expect(message).not.toContain(TOKEN);
        expect(message).not.toContain('END-OF-TOKEN');
        expect((error as TaskClosedError).tokenDigest).toBe(tokenDigest(TOKEN));
        expect(swf.calls()).toHaveLength(1);
      });
    }
  });

  describe('a malformed token is rejected with LimitError and no call', () => {
    const cases: Array<[string, unknown]> = [
      ['empty', ''],
      ['over 1,024 characters', 't'.repeat(1_025)],
      ['not a string', 12345],
      ['undefined', undefined],
    ];
    for (const [what, token] of cases) {
      it(`${what}`, async () => {
        const s = scheduler();
        const t = token as string;
        for (const call of [() => s.complete(t, 1), () => s.fail(t, 'r'), () => s.cancel(t), () => s.heartbeat(t)]) {
          const error = await call().catch((e: unknown) => e);
          expect(error).toBeInstanceOf(LimitError);
          expect((error as Error).message).toMatch(/taskToken/);
          if (typeof token === 'string' && token.length > 0) expect((error as Error).message).not.toContain(token);
        }
        expect(swf.calls()).toHaveLength(0);
      });
    }
  });

  it('retries a transient error with backoff, then succeeds', async () => {
    swf.on(RespondActivityTaskCompletedCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).resolves({});
    const retries: number[] = [];
    const s = scheduler({ backoff: { delay: (attempt) => 100 * (attempt + 1) }, onRetry: (_e, attempt) => retries.push(attempt) });
    await expect(s.complete(TOKEN, 'ok')).resolves.toBe('applied');
    expect(swf.commandCalls(RespondActivityTaskCompletedCommand)).toHaveLength(3);
    expect(clock.sleeps).toEqual([100, 200]);
    expect(retries).toEqual([0, 1]);
  });

  it('uses full-jitter backoff by default', async () => {
    swf.on(RecordActivityTaskHeartbeatCommand).rejectsOnce(throttled()).resolves({ cancelRequested: false });
    await expect(scheduler().heartbeat(TOKEN)).resolves.toBe(true);
    expect(clock.sleeps).toHaveLength(1);
    expect(clock.sleeps[0]).toBeGreaterThanOrEqual(0);
    expect(clock.sleeps[0]).toBeLessThan(100);
  });

  it('gives up after maxAttempts and throws the transient error', async () => {
    swf.on(RespondActivityTaskCompletedCommand).rejects(throttled());
    await expect(scheduler({ maxAttempts: 3 }).complete(TOKEN, 1)).rejects.toBeInstanceOf(ThrottlingException);
    expect(swf.calls()).toHaveLength(3);
  });

  it('resolves probably-applied when a retry finds the task closed after an attempt that may have reached SWF', async () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    swf.on(RespondActivityTaskCompletedCommand).rejectsOnce(reset).rejects(unknownResource());
    await expect(scheduler().complete(TOKEN, 1)).resolves.toBe('probably-applied');
  });

  it('rejects TaskClosedError when the only earlier attempts cannot have been applied (throttled, refused)', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    swf.on(RespondActivityTaskCompletedCommand).rejectsOnce(throttled()).rejectsOnce(refused).rejects(unknownResource());
    await expect(scheduler().complete(TOKEN, 1)).rejects.toBeInstanceOf(TaskClosedError);
    expect(swf.calls()).toHaveLength(3);
  });

  it('does not retry a fault that describes the request', async () => {
    const fault = Object.assign(new Error('bad'), { name: 'OperationNotPermittedFault', $metadata: { httpStatusCode: 400 } });
    swf.on(RespondActivityTaskCompletedCommand).rejects(fault);
    await expect(scheduler().complete(TOKEN, 1)).rejects.toThrow('bad');
    expect(swf.calls()).toHaveLength(1);
  });

  it('rejects a result over 32,768 characters naming size and limit, before any call', async () => {
    const error = await scheduler().complete(TOKEN, 'x'.repeat(40_000)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LimitError);
    expect((error as Error).message).toMatch(/result is 40,002 characters; SWF allows 32,768/);
    expect(swf.calls()).toHaveLength(0);
  });

  it('rejects a result with no JSON form, before any call', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(scheduler().complete(TOKEN, cyclic)).rejects.toThrow(/cannot be serialized as JSON/);
    await expect(scheduler().complete(TOKEN, 10n)).rejects.toThrow(LimitError);
    await expect(scheduler().complete(TOKEN, () => 1)).rejects.toThrow(/no JSON form/);
    expect(swf.calls()).toHaveLength(0);
  });

  it('says a domain is not needed when given one, Flowy style', () => {
    expect(() => asyncScheduler('my-domain' as unknown as AsyncSchedulerOptions)).toThrow(ConfigurationError);
    expect(() => asyncScheduler('my-domain' as unknown as AsyncSchedulerOptions)).toThrow(/takes no domain/);
  });

  it('builds its own client from region and endpoint, and close() releases it', async () => {
    const s = asyncScheduler({ region: 'eu-west-1', endpoint: 'http://127.0.0.1:1', clock });
    swf.on(RespondActivityTaskCanceledCommand).resolves({});
    await expect(s.cancel(TOKEN)).resolves.toBe('applied');
    const client = swf.call(0).thisValue as SWFClient;
    expect(await client.config.region()).toBe('eu-west-1');
    s.close();
    s.close();
  });

  it('close() leaves a client passed in open', async () => {
    const client = new SWFClient({ region: 'us-east-1' });
    let destroyed = false;
    client.destroy = () => {
      destroyed = true;
    };
    asyncScheduler({ client }).close();
    expect(destroyed).toBe(false);
  });
});

describe('complete with a result that has no JSON form', () => {
  it('says what a scheduler caller can do, not what an activity would', async () => {
    const error = (await asyncScheduler({ client: new SWFClient({ region: 'us-east-1' }) })
      .complete('token', { n: 1n })
      .catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(/^result cannot be serialized as JSON \(.*BigInt.*\); complete with plain data: no BigInt, no cycles, no functions$/);
    expect(error.message).not.toContain('serializeResult');
  });
});
