/**
 * Limits and bad input end to end (issue #4): every case ends in a clear outcome in the workflow
 * history, at once, never in a silent time-out; the worker carries on. See docs/errors.md.
 */
import { describe, expect, it } from 'vitest';
import { asyncScheduler, createSwfClient, heartbeat, TaskClosedError } from 'flowy-swf';
import '../fixtures/e2e/activities.js';
import '../fixtures/e2e/limits.js';
import { open, reported } from '../fixtures/e2e/control.js';
import {
  captureLog,
  history,
  outcomeOf,
  outcomesOf,
  recordingClient,
  scheduleActivities,
  startLossyProxy,
  startWorker,
  until,
  type ActivitySpec,
  useEndpoint,
} from './helpers.js';

const suite = useEndpoint();

/** Runs `specs` on a fresh worker of task list `limits` and returns how each ended, plus the SWF calls the worker made. */
async function runOnWorker(specs: ActivitySpec[], extra: Partial<Parameters<typeof startWorker>[0]> = {}) {
  const domain = await suite.env.newDomain();
  const recorder = recordingClient(suite.env.client);
  const w = await startWorker({ client: recorder.client, domain, taskList: 'limits', ...extra });
  try {
    const execution = await scheduleActivities(suite.env.client, domain, specs.map((s) => ({ taskList: 'limits', ...s })));
    const outcomes = await outcomesOf(suite.env.client, execution, specs.map((s) => s.activityId));
    // The worker carries on: a task after all of them completes.
    const next = await scheduleActivities(suite.env.client, domain, [{ activityId: 'next', name: 'lim-echo', args: ['still here'], taskList: 'limits' }]);
    expect(await outcomeOf(suite.env.client, next, 'next')).toMatchObject({ eventType: 'ActivityTaskCompleted', result: '["still here"]' });
    expect(w.worker.state).toBe('RUNNING');
    return { outcomes, calls: recorder.calls, execution, w };
  } finally {
    await w.stop();
  }
}

function parsedDetails(details: string | undefined): Record<string, any> {
  expect(details).toBeDefined();
  return JSON.parse(details!) as Record<string, any>;
}

describe.concurrent('limits end to end', () => {
  it('fails a result over 32,768 characters at once, naming the size and the limit, and never sends it', async () => {
    const { outcomes, calls } = await runOnWorker([
      { activityId: 'too-big', name: 'lim-big-result', args: [40_000] },
      { activityId: 'just-fits', name: 'lim-big-result', args: [32_766] },
    ]);
    expect(outcomes.get('too-big')).toMatchObject({
      eventType: 'ActivityTaskFailed',
      reason: 'ResultError: result is 40,002 characters; SWF allows 32,768: return less data, or store it elsewhere and return a reference',
    });
    expect(parsedDetails(outcomes.get('too-big')?.details)).toMatchObject({ type: 'ResultError' });
    expect(outcomes.get('just-fits')?.eventType).toBe('ActivityTaskCompleted');
    expect(outcomes.get('just-fits')?.result).toHaveLength(32_768);
    const completions = calls.filter((c) => c.operation === 'RespondActivityTaskCompleted');
    expect(completions.map((c) => String(c.input.result).length).sort()).toEqual([14, 32_768]); // just-fits, then ["still here"]
  });

  it('cuts failure details over 32,768 characters so they stay valid JSON, and a reason over 256 with a visible marker', async () => {
    const { outcomes } = await runOnWorker([
      { activityId: 'huge-error', name: 'lim-big-error', args: [40_000, 40_000] },
      { activityId: 'long-reason', name: 'lim-big-error', args: [300, 100] },
    ]);
    const huge = outcomes.get('huge-error')!;
    expect(huge.eventType).toBe('ActivityTaskFailed');
    expect(huge.reason).toHaveLength(256);
    expect(huge.reason!.startsWith('TypeError: mmmm')).toBe(true);
    expect(huge.reason!.endsWith('…[truncated]')).toBe(true);
    expect(huge.details!.length).toBeLessThanOrEqual(32_768);
    const hugeDetails = parsedDetails(huge.details);
    expect(hugeDetails).toMatchObject({ type: 'TypeError', truncated: true });
    expect(hugeDetails.stack).toBeUndefined(); // stacks are cut first

    const long = outcomes.get('long-reason')!;
    expect(long.reason).toHaveLength(256);
    expect(long.reason!.endsWith('…[truncated]')).toBe(true);
    const longDetails = parsedDetails(long.details);
    expect(longDetails.message).toBe(`${'m'.repeat(300)} "quotes" and \\ backslashes \n`); // whole in the details
    expect(longDetails.stack).toBe('S'.repeat(100));
    let depth = 0;
    for (let c = longDetails.cause; c; c = c.cause) depth++;
    expect(depth).toBe(5);
  });

  it('rejects heartbeat details over 2,048 characters with a LimitError the activity sees; nothing is sent', async () => {
    const { outcomes, calls } = await runOnWorker([
      { activityId: 'caught', name: 'lim-heartbeat-big', args: [3_000, true] },
      { activityId: 'uncaught', name: 'lim-heartbeat-big', args: [3_000, false] },
      { activityId: 'fits', name: 'lim-heartbeat-big', args: [2_048, false] },
    ]);
    const message = 'heartbeat details is 3,000 characters; SWF allows 2,048: send a shorter progress note, e.g. a percentage or a step name';
    expect(outcomes.get('caught')).toMatchObject({ eventType: 'ActivityTaskCompleted', result: JSON.stringify({ name: 'LimitError', message }) });
    expect(outcomes.get('uncaught')).toMatchObject({ eventType: 'ActivityTaskFailed', reason: `LimitError: ${message}` });
    expect(outcomes.get('fits')).toMatchObject({ eventType: 'ActivityTaskCompleted', result: '{"sent":true}' });
    const heartbeats = calls.filter((c) => c.operation === 'RecordActivityTaskHeartbeat');
    expect(heartbeats.map((c) => String(c.input.details).length)).toEqual([2_048]);
  });

  it('fails a task whose input is not JSON, or not what the codec expects, with a reason that says so', async () => {
    const { outcomes } = await runOnWorker([
      { activityId: 'not-json', name: 'lim-echo', input: 'not json at all' },
      { activityId: 'object', name: 'lim-echo', input: '{"a":1}' },
      { activityId: 'three', name: 'lim-echo', input: '[[],{},3]' },
      { activityId: 'args-number', name: 'lim-echo', input: '[1,2]' },
      { activityId: 'kwargs-array', name: 'lim-echo', input: '[[],[1]]' },
      { activityId: 'codec-throws', name: 'lim-codec-throws', input: '{"nope":1}' },
      { activityId: 'codec-ok', name: 'lim-codec-throws', input: '{"name":"ann"}' },
      { activityId: 'codec-not-array', name: 'lim-codec-not-array', input: 'some text' },
      { activityId: 'serialize-number', name: 'lim-serialize-bad', args: ['number'] },
      { activityId: 'serialize-throws', name: 'lim-serialize-bad', args: ['throw'] },
    ]);
    const reason = (id: string): string | undefined => {
      expect(outcomes.get(id)?.eventType, id).toBe('ActivityTaskFailed');
      return outcomes.get(id)?.reason;
    };
    expect(reason('not-json')).toMatch(/^InputError: input is not JSON \(.+\); Flowy's wire format is the JSON text \[args, kwargs\]/);
    expect(reason('object')).toMatch(/^InputError: input must be the JSON array \[args, kwargs\], got an object; /);
    expect(reason('three')).toMatch(/^InputError: input must be the JSON array \[args, kwargs\], got an array of 3; /);
    expect(reason('args-number')).toMatch(/^InputError: input\[0\] \(args\) must be an array, got a number; /);
    expect(reason('kwargs-array')).toMatch(/^InputError: input\[1\] \(kwargs\) must be an object, got an array of 1; /);
    expect(reason('codec-throws')).toBe('deserializeArguments threw: TypeError: expected {"name": string}');
    expect(outcomes.get('codec-ok')).toMatchObject({ eventType: 'ActivityTaskCompleted', result: '"hello ann"' });
    expect(reason('codec-not-array')).toBe('InputError: deserializeArguments must return an array of arguments, got string');
    expect(reason('serialize-number')).toBe('ResultError: serializeResult must return a string, got number');
    expect(reason('serialize-throws')).toBe('serializeResult threw: Error: serializer exploded');
    expect(parsedDetails(outcomes.get('not-json')?.details)).toMatchObject({ type: 'InputError' });
  });

  it('fails with a useful reason whatever run throws, when the constructor throws, and when the result has no JSON form', async () => {
    const throws = ['string', 'null', 'undefined', 'number', 'object', 'cyclic-object', 'cyclic-cause', 'self-cause'];
    const results = ['bigint', 'cyclic', 'function', 'throwing-toJSON'];
    const { outcomes } = await runOnWorker([
      ...throws.map((kind) => ({ activityId: `throw-${kind}`, name: 'lim-throw', args: [kind] })),
      ...results.map((kind) => ({ activityId: `result-${kind}`, name: 'lim-bad-result', args: [kind] })),
      { activityId: 'ctor', name: 'lim-ctor-throws', args: [] },
    ]);
    for (const [id, outcome] of outcomes) expect(outcome.eventType, id).toBe('ActivityTaskFailed');
    const reasons = Object.fromEntries([...outcomes].map(([id, o]) => [id, o.reason]));
    expect(reasons).toEqual({
      'throw-string': 'a plain string was thrown',
      'throw-null': 'null: null was thrown',
      'throw-undefined': 'undefined: undefined was thrown',
      'throw-number': 'number: 42',
      'throw-object': 'Object: {"code":"E_OBJECT","detail":"an object was thrown"}',
      'throw-cyclic-object': 'Object: [object Object]',
      'throw-cyclic-cause': 'Error: outer',
      'throw-self-cause': 'Error: its own cause',
      'result-bigint': expect.stringMatching(/^ResultError: result cannot be serialized as JSON \(.*BigInt.*\); return plain data: no BigInt, no cycles, or override serializeResult$/),
      'result-cyclic': expect.stringMatching(/^ResultError: result cannot be serialized as JSON \(Converting circular structure/),
      'result-function': 'ResultError: result of type function has no JSON form; return plain data: no BigInt, no cycles, or override serializeResult',
      'result-throwing-toJSON': expect.stringMatching(/^ResultError: result cannot be serialized as JSON \(toJSON exploded\)/),
      ctor: 'constructing CtorThrows threw: Error: boom in the constructor',
    });
    expect(parsedDetails(outcomes.get('throw-string')?.details)).toEqual({ type: 'string', message: 'a plain string was thrown' });
    const cyclic = parsedDetails(outcomes.get('throw-cyclic-cause')?.details);
    expect(cyclic).toMatchObject({ type: 'Error', message: 'outer', cause: { message: 'inner', cause: { type: 'Cycle' } } });
    expect(parsedDetails(outcomes.get('throw-self-cause')?.details).cause).toMatchObject({ type: 'Cycle' });
  });

  it('does not let input with __proto__ or constructor keys pollute prototypes, even written with \\u escapes', async () => {
    const plain = String.raw`[[{"__proto__":{"polluted":"plain"},"a":1}],{"constructor":{"prototype":{"polluted":"constructor"}},"c":3}]`;
    // Only escaped keys: a check that looks for the plain key in the text misses these.
    const escaped = String.raw`[[{"\u005f_proto__":{"polluted":"escaped"},"b":2}],{"\u0063onstructor":{"\u0070rototype":{"polluted":"escaped constructor"}}}]`;
    try {
      const { outcomes } = await runOnWorker([
        { activityId: 'plain', name: 'lim-merge', input: plain },
        { activityId: 'escaped', name: 'lim-merge', input: escaped },
      ]);
      expect(outcomes.get('plain')?.eventType).toBe('ActivityTaskCompleted');
      expect(JSON.parse(outcomes.get('plain')!.result!)).toEqual({ args: [['a'], ['c']], merged: { a: 1, c: 3 }, pollutedInside: null });
      expect(outcomes.get('escaped')?.eventType).toBe('ActivityTaskCompleted');
      expect(JSON.parse(outcomes.get('escaped')!.result!)).toEqual({ args: [['b']], merged: { b: 2 }, pollutedInside: null });
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted')).toBe(false);
    } finally {
      // Should the test fail, do not let the pollution leak into the other tests of this file.
      delete (Object.prototype as Record<string, unknown>).polluted;
    }
  });

  it('refuses values over the limits from the async scheduler with a LimitError before any call, and cuts a reason and details to fit', async () => {
    const domain = await suite.env.newDomain();
    const w = await startWorker({ client: suite.env.client, domain, taskList: 'limits' });
    const recorder = recordingClient(suite.env.client);
    const scheduler = asyncScheduler({ client: recorder.client });
    try {
      const execution = await scheduleActivities(suite.env.client, domain, [{ activityId: 'held', name: 'e2e-suspend', taskList: 'limits' }]);
      const token = await reported<string>('held');
      const refusals: Array<[() => Promise<unknown>, string, RegExp]> = [
        [() => scheduler.complete(token, 'x'.repeat(40_000)), 'ResultError', /^result is 40,002 characters; SWF allows 32,768: return less data/],
        [() => scheduler.complete(token, { n: 10n }), 'ResultError', /^result cannot be serialized as JSON \(.*BigInt/],
        [() => scheduler.heartbeat(token, 'h'.repeat(2_049)), 'LimitError', /^heartbeat details is 2,049 characters; SWF allows 2,048/],
        [() => scheduler.fail(token, null as unknown as string), 'LimitError', /^reason must be a string, got null/],
        [() => scheduler.complete('', 1), 'LimitError', /^taskToken is empty/],
        [() => scheduler.cancel(`${token}${'x'.repeat(1_024)}`), 'LimitError', /^taskToken is [\d,]+ characters; SWF allows 1,024/],
      ];
      for (const [call, name, message] of refusals) {
        const error = (await call().catch((e: unknown) => e)) as Error;
        expect(error.name).toBe(name);
        expect(error.message).toMatch(message);
      }
      expect(recorder.calls).toEqual([]); // nothing reached SWF
      await expect(scheduler.fail(token, 'r'.repeat(300), 'd'.repeat(40_000))).resolves.toBe('applied');
      const outcome = await outcomeOf(suite.env.client, execution, 'held');
      expect(outcome.eventType).toBe('ActivityTaskFailed');
      expect(outcome.reason).toBe(`${'r'.repeat(256 - '…[truncated]'.length)}…[truncated]`);
      expect(outcome.details!.length).toBeLessThanOrEqual(32_768);
      expect(parsedDetails(outcome.details)).toMatchObject({ truncated: true, originalLength: 40_000 });
    } finally {
      await w.stop();
    }
  });

  it('answers false or TaskClosedError for a heartbeat or response after the task closed, never an unhandled rejection', async () => {
    const domain = await suite.env.newDomain();
    const log = captureLog('info');
    const w = await startWorker({ client: suite.env.client, domain, taskList: 'limits', logger: log.logger });
    const scheduler = asyncScheduler({ client: suite.env.client });
    try {
      const execution = await scheduleActivities(suite.env.client, domain, [
        { activityId: 'later', name: 'lim-heartbeat-later', taskList: 'limits' },
        { activityId: 'stalled', name: 'lim-silent-stall', taskList: 'limits', heartbeatTimeout: '1' },
      ]);
      // A heartbeat after run returned: false, no call.
      const heartbeatLater = await reported<(details?: unknown) => Promise<boolean>>('later');
      expect(await outcomeOf(suite.env.client, execution, 'later')).toMatchObject({ eventType: 'ActivityTaskCompleted' });
      await expect(heartbeatLater('too late')).resolves.toBe(false);
      // The shortcut outside any task: a clear error, thrown at once.
      expect(() => heartbeat('nowhere')).toThrow(/no activity task is running here/);

      // The worker's own response after SWF timed the task out: logged, counted timed-out, nothing thrown.
      const token = await reported<string>('stalled:started');
      expect(await outcomeOf(suite.env.client, execution, 'stalled')).toMatchObject({ eventType: 'ActivityTaskTimedOut', timeoutType: 'HEARTBEAT' });
      open('stalled');
      await until('the worker to give the stalled task up', async () => w.outcomes.find((o) => o.activityType === 'lim-silent-stall'));
      expect(w.outcomes.find((o) => o.activityType === 'lim-silent-stall')?.outcome).toBe('timed-out');
      expect(log.lines.some((l) => l.level === 40 && /timed out or was closed in SWF before the response; it is lost/.test(String(l.msg)))).toBe(true);
      const closes = (await history(suite.env.client, execution)).filter((e) => /^ActivityTask(Completed|Failed|Canceled|TimedOut)$/.test(e.eventType ?? ''));
      expect(closes).toHaveLength(2);

      // From another process, by token: every call on a closed task is a TaskClosedError.
      for (const call of [
        () => scheduler.complete(token, 'late'),
        () => scheduler.fail(token, 'late'),
        () => scheduler.cancel(token),
        () => scheduler.heartbeat(token),
      ]) {
        const error = await call().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TaskClosedError);
      }
    } finally {
      await w.stop();
    }
  });

  it('logs a response whose answer was lost, and whose retry found the task closed, as already done, not as a failure', async () => {
    const domain = await suite.env.newDomain();
    // Lose the answer of the first RespondActivityTaskCompleted and the first RespondActivityTaskFailed:
    // SWF applied them; the worker's retry then meets UnknownResourceFault.
    const proxy = await startLossyProxy(suite.env.swf.endpoint, (operation, n) => /^RespondActivityTask(Completed|Failed)$/.test(operation) && n === 1);
    const client = createSwfClient({ endpoint: proxy.endpoint });
    const log = captureLog('info');
    const w = await startWorker({ client, domain, taskList: 'limits', logger: log.logger });
    try {
      const execution = await scheduleActivities(suite.env.client, domain, [
        { activityId: 'lost-completed', name: 'lim-echo', args: ['kept'], taskList: 'limits' },
      ]);
      expect(await outcomeOf(suite.env.client, execution, 'lost-completed')).toMatchObject({ eventType: 'ActivityTaskCompleted', result: '["kept"]', closes: 1 });
      const failing = await scheduleActivities(suite.env.client, domain, [{ activityId: 'lost-failed', name: 'lim-throw', args: ['string'], taskList: 'limits' }]);
      expect(await outcomeOf(suite.env.client, failing, 'lost-failed')).toMatchObject({ eventType: 'ActivityTaskFailed', closes: 1 });
      await until('both tasks to be counted', async () => w.outcomes.length === 2);
      expect(w.outcomes.map((o) => o.outcome).sort()).toEqual(['completed', 'failed']);
      expect(proxy.lost).toEqual(['RespondActivityTaskCompleted', 'RespondActivityTaskFailed']);
      const alreadyDone = log.lines.filter((l) => /an earlier attempt went through/.test(String(l.msg)));
      expect(alreadyDone.map((l) => [l.level, l.operation]).sort()).toEqual([
        [30, 'RespondActivityTaskCompleted'],
        [30, 'RespondActivityTaskFailed'],
      ]);
      // Retried after the lost answer (warn), never reported as refused or lost (error).
      expect(log.lines.filter((l) => l.level === 40 && /failed; retrying/.test(String(l.msg)))).toHaveLength(2);
      expect(log.lines.filter((l) => (l.level as number) >= 50)).toEqual([]);

      // The async scheduler does the same: a suspended task completed through the lossy proxy.
      const suspended = await scheduleActivities(suite.env.client, domain, [{ activityId: 'suspended', name: 'e2e-suspend', taskList: 'limits' }]);
      const token = await reported<string>('suspended');
      const second = await startLossyProxy(suite.env.swf.endpoint, (operation, n) => operation === 'RespondActivityTaskCompleted' && n === 1);
      const scheduler = asyncScheduler({ endpoint: second.endpoint });
      try {
        await expect(scheduler.complete(token, { approved: true })).resolves.toBe('probably-applied');
      } finally {
        scheduler.close();
        await second.close();
      }
      expect(await outcomeOf(suite.env.client, suspended, 'suspended')).toMatchObject({ eventType: 'ActivityTaskCompleted', result: '{"approved":true}', closes: 1 });
    } finally {
      await w.stop();
      client.destroy();
      await proxy.close();
    }
  });
});

