/**
 * Security (issue #4): a task token is a credential and never appears whole in logs or error messages.
 * A full worker session with every kind of ending, logged at `trace`, is searched for every token the
 * endpoint handed out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asyncScheduler, createSwfClient, LimitError, TaskClosedError, tokenDigest } from 'flowy-swf';
import '../fixtures/e2e/activities.js';
import '../fixtures/e2e/limits.js';
import { open, reported, seenTokens } from '../fixtures/e2e/control.js';
import {
  captureLog,
  outcomesOf,
  recordingClient,
  registerActivityType,
  requestCancel,
  scheduleActivities,
  spyUnhandledRejections,
  startEndpoint,
  startLossyProxy,
  startWorker,
  until,
  type Endpoint,
} from './helpers.js';

let env: Endpoint;
const unhandled = spyUnhandledRejections();

beforeAll(async () => {
  env = await startEndpoint();
});

afterAll(async () => {
  unhandled.stop();
  await env.close();
});

/** Everything an error carries that a program might print or log. */
function errorText(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    const err = e as Error & { cause?: unknown };
    parts.push(String(err), err.message ?? '', err.stack ?? '');
    try {
      parts.push(JSON.stringify(err));
    } catch {
      // cyclic: the parts above are enough
    }
    e = err.cause;
  }
  return parts.join('\n');
}

describe('task tokens in logs and errors', () => {
  it('never shows a token whole: a worker session at trace level with every kind of task ending', async () => {
    const domain = await env.newDomain();
    await registerActivityType(env.client, domain, 'e2e-ghost', { defaultTaskList: { name: 'e2e' } });
    // The first completion's answer is lost on its way back: a retry, then "already done".
    const proxy = await startLossyProxy(env.swf.endpoint, (operation, n) => operation === 'RespondActivityTaskCompleted' && n === 1);
    const proxied = createSwfClient({ endpoint: proxy.endpoint });
    const recorder = recordingClient(proxied);
    const log = captureLog('trace');
    const w = await startWorker({ client: recorder.client, domain, taskList: 'e2e', logger: log.logger, shutdownGraceMs: 200 });
    const scheduler = asyncScheduler({ client: env.client });
    const thrown: unknown[] = [];
    try {
      const execution = await scheduleActivities(env.client, domain, [
        { activityId: 'complete', name: 'e2e-echo', args: ['ok'] },
        { activityId: 'fail', name: 'e2e-fail', args: ['no'] },
        { activityId: 'suspend', name: 'e2e-suspend' },
        { activityId: 'stall', name: 'e2e-stall', heartbeatTimeout: '1' },
        { activityId: 'silent', name: 'lim-silent-stall', heartbeatTimeout: '1', taskList: 'e2e' },
        { activityId: 'ghost', name: 'e2e-ghost' },
        { activityId: 'cancel', name: 'e2e-cancellable' },
        { activityId: 'big-heartbeat', name: 'lim-heartbeat-big', args: [3_000, false], taskList: 'e2e' },
        { activityId: 'bad-input', name: 'e2e-echo', input: 'not json' },
        { activityId: 'shutdown', name: 'e2e-until-aborted' },
      ]);

      // Suspended: completed by token from elsewhere, then the spent token is used again.
      const suspendedToken = await reported<string>('suspend');
      await scheduler.complete(suspendedToken, { approved: true });
      for (const call of [() => scheduler.complete(suspendedToken, 'again'), () => scheduler.heartbeat(suspendedToken, 'again')]) {
        const error = await call().catch((e: unknown) => e);
        expect(error).toBeInstanceOf(TaskClosedError);
        thrown.push(error);
      }
      // A mangled token: refused before any call, without echoing it.
      const mangled = await scheduler.complete(`${suspendedToken}${'x'.repeat(1_100)}`, 1).catch((e: unknown) => e);
      expect(mangled).toBeInstanceOf(LimitError);
      thrown.push(mangled);

      await reported('cancel:started');
      await requestCancel(env.client, execution, 'cancel');
      await reported('stall:started');
      const silentToken = await reported<string>('silent:started');
      await outcomesOf(env.client, execution, ['stall', 'silent']); // both timed out in SWF
      open('stall');
      open('silent');
      const closed = await scheduler.fail(silentToken, 'too late').catch((e: unknown) => e);
      expect(closed).toBeInstanceOf(TaskClosedError);
      thrown.push(closed);

      const done = ['complete', 'fail', 'suspend', 'ghost', 'cancel', 'big-heartbeat', 'bad-input'];
      const outcomes = await outcomesOf(env.client, execution, done);
      expect(Object.fromEntries([...outcomes].map(([id, o]) => [id, o.eventType]))).toMatchObject({
        complete: 'ActivityTaskCompleted',
        fail: 'ActivityTaskFailed',
        suspend: 'ActivityTaskCompleted',
        stall: 'ActivityTaskTimedOut',
        silent: 'ActivityTaskTimedOut',
        ghost: 'ActivityTaskFailed',
        cancel: 'ActivityTaskCanceled',
        'big-heartbeat': 'ActivityTaskFailed',
        'bad-input': 'ActivityTaskFailed',
      });
      await reported('shutdown:started');
      await until('every task but the last to be counted', async () => w.outcomes.length >= 9);
    } finally {
      await w.stop(); // the last task outlives the grace period and is failed with kind shutdown
      proxied.destroy();
      await proxy.close();
    }

    expect(proxy.lost).toEqual(['RespondActivityTaskCompleted']);
    const tokens = new Set([...recorder.tokens, ...seenTokens]);
    expect(recorder.tokens.size).toBe(10); // one per task, every one handed out by the endpoint
    const text = log.text();
    // The log is not empty: it speaks of these very tasks, by digest.
    expect(log.lines.length).toBeGreaterThan(20);
    expect(log.lines.some((l) => l.level === 10 || l.level === 20)).toBe(true);
    for (const token of recorder.tokens) expect(text).toContain(tokenDigest(token));
    for (const token of tokens) {
      expect(token.length).toBeGreaterThan(16);
      expect(text.includes(token), `token ${tokenDigest(token)} found in the log`).toBe(false);
      for (const error of thrown) expect(errorText(error).includes(token), `token ${tokenDigest(token)} found in an error`).toBe(false);
    }
    expect(unhandled.seen).toEqual([]);
  });
});
