/**
 * The worker end to end (issue #3): `startActivityWorker` against the local endpoint, over HTTP, with the
 * real `@aws-sdk/client-swf`; every outcome is read back from the workflow history, as a decider would.
 */
import { DescribeActivityTypeCommand } from '@aws-sdk/client-swf';
import { describe, expect, it } from 'vitest';
import { asyncScheduler, createSwfClient, RegistrationMismatchError, TaskClosedError, tokenDigest } from 'flowy-swf';
import type { SignalSeen } from '../fixtures/e2e/activities.js';
import '../fixtures/e2e/activities.js';
import { open, reported } from '../fixtures/e2e/control.js';
import {
  history,
  outcomeOf,
  outcomesOf,
  registerActivityType,
  requestCancel,
  scheduleActivities,
  startWorker,
  unique,
  until,
  type Endpoint,
  type RunningWorker,
  useEndpoint,
} from './helpers.js';

const suite = useEndpoint();

/** A fresh domain and a worker polling task list `e2e` in it. */
async function workerInNewDomain(extra: Partial<Parameters<typeof startWorker>[0]> = {}): Promise<{ domain: string; w: RunningWorker }> {
  const domain = await suite.env.newDomain();
  const w = await startWorker({ client: suite.env.client, domain, taskList: 'e2e', ...extra });
  return { domain, w };
}

describe.concurrent('worker end to end', () => {
  it('completes a task: args spread, kwargs last, the JSON result in ActivityTaskCompleted', async () => {
    const { domain, w } = await workerInNewDomain();
    try {
      const execution = await scheduleActivities(suite.env.client, domain, [
        { activityId: 'spread', name: 'e2e-echo', args: ['a', 1, [true]], kwargs: { k: 'v', n: null } },
        { activityId: 'args-only', name: 'e2e-echo', args: ['only'], kwargs: {} },
        { activityId: 'kwargs-only', name: 'e2e-echo', args: [], kwargs: { width: 300 } },
        { activityId: 'no-input', name: 'e2e-echo' },
        { activityId: 'returns-nothing', name: 'e2e-nothing', args: [] },
      ]);
      const outcomes = await outcomesOf(suite.env.client, execution, ['spread', 'args-only', 'kwargs-only', 'no-input', 'returns-nothing']);
      expect(outcomes.get('spread')).toMatchObject({ eventType: 'ActivityTaskCompleted', result: '["a",1,[true],{"k":"v","n":null}]' });
      expect(outcomes.get('args-only')).toMatchObject({ eventType: 'ActivityTaskCompleted', result: '["only"]' });
      expect(outcomes.get('kwargs-only')).toMatchObject({ eventType: 'ActivityTaskCompleted', result: '[{"width":300}]' });
      expect(outcomes.get('no-input')).toMatchObject({ eventType: 'ActivityTaskCompleted', result: '[]' });
      expect(outcomes.get('returns-nothing')).toMatchObject({ eventType: 'ActivityTaskCompleted', result: 'null' });
      const events = await history(suite.env.client, execution);
      const started = events.filter((e) => e.eventType === 'ActivityTaskStarted');
      expect(started).toHaveLength(5);
      for (const e of started) expect(e.activityTaskStartedEventAttributes?.identity).toBe(w.worker.identity);
      expect(w.outcomes.map((o) => o.outcome)).toEqual(['completed', 'completed', 'completed', 'completed', 'completed']);
    } finally {
      await w.stop();
    }
  });

  it('fails a task that throws: reason `Name: message`, details JSON with type, message and stack', async () => {
    const { domain, w } = await workerInNewDomain();
    try {
      const execution = await scheduleActivities(suite.env.client, domain, [{ activityId: 'f', name: 'e2e-fail', args: ["Can't echo 1."] }]);
      const outcome = await outcomeOf(suite.env.client, execution, 'f');
      expect(outcome.eventType).toBe('ActivityTaskFailed');
      expect(outcome.reason).toBe("RangeError: Can't echo 1.");
      const details = JSON.parse(outcome.details ?? '') as { type: string; message: string; stack: string };
      expect(details.type).toBe('RangeError');
      expect(details.message).toBe("Can't echo 1.");
      expect(details.stack).toMatch(/^RangeError: Can't echo 1\.\n\s+at /);
      expect(w.outcomes).toEqual([{ activityType: 'e2e-fail', outcome: 'failed' }]);
    } finally {
      await w.stop();
    }
  });

  it('suspends a task and lets another system complete, fail, heartbeat and cancel it by token', async () => {
    const { domain, w } = await workerInNewDomain();
    // "Another system": its own client, or the scheduler's own from an endpoint.
    const otherClient = createSwfClient({ endpoint: suite.env.swf.endpoint });
    const byClient = asyncScheduler({ client: otherClient });
    const byEndpoint = asyncScheduler({ endpoint: suite.env.swf.endpoint });
    try {
      const ids = ['to-complete', 'to-fail', 'to-cancel'];
      const execution = await scheduleActivities(
        suite.env.client,
        domain,
        ids.map((activityId) => ({ activityId, name: 'e2e-suspend' })),
      );
      const [toComplete, toFail, toCancel] = await Promise.all(ids.map((id) => reported<string>(id)));
      // Suspended: the worker freed the slots and sent nothing; the tasks are open in SWF.
      await until('the worker to free the suspended tasks\' slots', async () => w.outcomes.length === 3);
      expect(w.outcomes.map((o) => o.outcome)).toEqual(['suspended', 'suspended', 'suspended']);
      expect(w.worker.runningTasks).toBe(0);
      const before = await history(suite.env.client, execution);
      expect(before.filter((e) => e.eventType === 'ActivityTaskStarted')).toHaveLength(3);
      expect(before.some((e) => /^ActivityTask(Completed|Failed|Canceled|TimedOut)$/.test(e.eventType ?? ''))).toBe(false);

      await expect(byClient.heartbeat(toComplete!, { progress: 50 })).resolves.toBe(true);
      await expect(byClient.complete(toComplete!, { approved: true })).resolves.toBe('applied');
      await expect(byEndpoint.heartbeat(toFail!, 'still thinking')).resolves.toBe(true);
      await expect(byEndpoint.fail(toFail!, 'refused by the approver', { by: 'alice' })).resolves.toBe('applied');

      // A cancel request is learned from a heartbeat; then the other system reports the task canceled.
      await requestCancel(suite.env.client, execution, 'to-cancel');
      await expect(byClient.heartbeat(toCancel!)).resolves.toBe(false);
      await expect(byClient.cancel(toCancel!, { why: 'workflow asked' })).resolves.toBe('applied');

      const outcomes = await outcomesOf(suite.env.client, execution, ids);
      expect(outcomes.get('to-complete')).toMatchObject({ eventType: 'ActivityTaskCompleted', result: '{"approved":true}', closes: 1 });
      expect(outcomes.get('to-fail')).toMatchObject({
        eventType: 'ActivityTaskFailed',
        reason: 'refused by the approver',
        details: '{"by":"alice"}',
      });
      expect(outcomes.get('to-cancel')).toMatchObject({ eventType: 'ActivityTaskCanceled', details: '{"why":"workflow asked"}' });

      // Once closed, the token is spent: a typed error naming the digest, never the token.
      const closed = await byClient.complete(toComplete!, 'again').catch((e: unknown) => e);
      expect(closed).toBeInstanceOf(TaskClosedError);
      expect((closed as TaskClosedError).tokenDigest).toBe(tokenDigest(toComplete!));
      expect((closed as Error).message).not.toContain(toComplete);
    } finally {
      byEndpoint.close();
      otherClient.destroy();
      await w.stop();
    }
  });

  it('reports a task canceled when the decider asks: heartbeat resolves false, the signal aborts, the activity throws', async () => {
    const { domain, w } = await workerInNewDomain();
    try {
      const execution = await scheduleActivities(suite.env.client, domain, [{ activityId: 'c', name: 'e2e-cancellable' }]);
      await reported('c:started');
      await requestCancel(suite.env.client, execution, 'c');
      const seen = await reported<SignalSeen>('c');
      expect(seen).toEqual({ heartbeat: false, aborted: true, kind: 'cancelled' });
      const outcome = await outcomeOf(suite.env.client, execution, 'c');
      expect(outcome.eventType).toBe('ActivityTaskCanceled');
      expect(JSON.parse(outcome.details ?? '')).toMatchObject({ type: 'ActivityAbortedError' });
      const types = (await history(suite.env.client, execution)).map((e) => e.eventType);
      expect(types.indexOf('ActivityTaskCancelRequested')).toBeLessThan(types.indexOf('ActivityTaskCanceled'));
      await until('the worker to count the task', async () => w.outcomes.length === 1);
      expect(w.outcomes).toEqual([{ activityType: 'e2e-cancellable', outcome: 'canceled' }]);
    } finally {
      await w.stop();
    }
  });

  it('survives a heartbeat time-out: SWF records HEARTBEAT, the late heartbeat resolves false, the next task runs', async () => {
    const { domain, w } = await workerInNewDomain();
    try {
      const execution = await scheduleActivities(suite.env.client, domain, [{ activityId: 'stall', name: 'e2e-stall', heartbeatTimeout: '1' }]);
      await reported('stall:started');
      const outcome = await outcomeOf(suite.env.client, execution, 'stall');
      expect(outcome).toMatchObject({ eventType: 'ActivityTaskTimedOut', timeoutType: 'HEARTBEAT', details: 'alive' });
      open('stall');
      expect(await reported<SignalSeen>('stall')).toEqual({ heartbeat: false, aborted: true, kind: 'closed' });
      await until('the worker to count the task', async () => w.outcomes.length === 1);
      expect(w.outcomes).toEqual([{ activityType: 'e2e-stall', outcome: 'timed-out' }]);
      // Nothing was reported for the closed task, and the worker goes on.
      const next = await scheduleActivities(suite.env.client, domain, [{ activityId: 'after', name: 'e2e-echo', args: ['next'] }]);
      expect(await outcomeOf(suite.env.client, next, 'after')).toMatchObject({ eventType: 'ActivityTaskCompleted', result: '["next"]' });
      const closes = (await history(suite.env.client, execution)).filter((e) => /^ActivityTask(Completed|Failed|Canceled|TimedOut)$/.test(e.eventType ?? ''));
      expect(closes.map((e) => e.eventType)).toEqual(['ActivityTaskTimedOut']);
      expect(w.worker.state).toBe('RUNNING');
    } finally {
      await w.stop();
    }
  });

  it('fails a task of a type it does not know at once, naming the type and the known ones', async () => {
    const { domain, w } = await workerInNewDomain();
    try {
      await registerActivityType(suite.env.client, domain, 'e2e-ghost', { defaultTaskList: { name: 'e2e' } });
      const execution = await scheduleActivities(suite.env.client, domain, [{ activityId: 'ghost', name: 'e2e-ghost', args: [] }]);
      const outcome = await outcomeOf(suite.env.client, execution, 'ghost');
      expect(outcome.eventType).toBe('ActivityTaskFailed');
      expect(outcome.reason).toMatch(/^unknown activity type "e2e-ghost" version "1": this worker \(task list e2e\) knows e2e-cancellable@1, /);
      expect(outcome.reason!.length).toBeLessThanOrEqual(256);
      const details = JSON.parse(outcome.details ?? '') as { type: string; name: string; version: string; known: string[] };
      expect(details).toMatchObject({ type: 'UnknownActivityType', name: 'e2e-ghost', version: '1' });
      expect(details.known).toEqual(expect.arrayContaining(['e2e-echo@1', 'e2e-fail@1', 'e2e-square@1']));
      expect(details.known).not.toContain('e2e-ghost@1');
    } finally {
      await w.stop();
    }
  });

  it('refuses to start when SWF holds a type with other defaults: RegistrationMismatchError lists the field, no poll', async () => {
    const domain = await suite.env.newDomain();
    await registerActivityType(suite.env.client, domain, 'e2e-echo', { defaultTaskStartToCloseTimeout: '999' });
    let built = false;
    const error = await startWorker({ client: suite.env.client, domain, taskList: 'e2e' }).then(
      (w) => {
        built = true;
        return w.stop();
      },
      (e: unknown) => e,
    );
    expect(built).toBe(false);
    expect(error).toBeInstanceOf(RegistrationMismatchError);
    const mismatch = error as RegistrationMismatchError;
    expect(mismatch.mismatches).toEqual([
      { name: 'e2e-echo', version: '1', field: 'defaultTaskStartToCloseTimeout', inSwf: '999', here: '30' },
    ]);
    expect(mismatch.message).toContain('e2e-echo 1: defaultTaskStartToCloseTimeout is 999 in SWF, 30 here');
    expect(mismatch.message).toContain('Bump the version');
    // SWF keeps what it had.
    const described = await suite.env.client.send(new DescribeActivityTypeCommand({ domain, activityType: { name: 'e2e-echo', version: '1' } }));
    expect(described.configuration?.defaultTaskStartToCloseTimeout).toBe('999');
  });

  it('records the identity it was given in ActivityTaskStarted', async () => {
    const identity = unique('e2e-identity');
    const { domain, w } = await workerInNewDomain({ identity });
    try {
      const execution = await scheduleActivities(suite.env.client, domain, [{ activityId: 'who', name: 'e2e-echo', args: [] }]);
      await outcomeOf(suite.env.client, execution, 'who');
      const started = (await history(suite.env.client, execution)).find((e) => e.eventType === 'ActivityTaskStarted');
      expect(started?.activityTaskStartedEventAttributes?.identity).toBe(identity);
    } finally {
      await w.stop();
    }
  });
});
