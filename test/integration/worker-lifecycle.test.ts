/**
 * The worker's shutdown end to end (issue #3): work in flight is finished and reported, a task that
 * arrives on a poll still open is run, the grace period and a forced stop do what docs/worker.md says.
 */
import { describe, expect, it } from 'vitest';
import type { SignalSeen } from '../fixtures/e2e/activities.js';
import '../fixtures/e2e/activities.js';
import { open, reported } from '../fixtures/e2e/control.js';
import {
  outcomeOf,
  recordingClient,
  scheduleActivities,
  startEndpoint,
  startWorker,
  until,
  type Endpoint,
  useEndpoint,
} from './helpers.js';

const suite = useEndpoint();

describe.concurrent('worker shutdown end to end', () => {
  it('finishes and reports a running task before it stops', async () => {
    const domain = await suite.env.newDomain();
    const recorder = recordingClient(suite.env.client);
    const w = await startWorker({ client: recorder.client, domain, taskList: 'e2e' });
    const execution = await scheduleActivities(suite.env.client, domain, [{ activityId: 'in-flight', name: 'e2e-gated', args: [{ kept: true }] }]);
    await reported('in-flight:started');
    let stopped = false;
    const stopping = w.worker.shutdown().then(() => (stopped = true));
    expect(w.worker.state).toBe('DRAINING');
    expect(w.worker.shutdown()).toBe(w.worker.shutdown()); // idempotent: one promise for every caller
    // Its open polls end (held 300 ms here); the running task keeps the worker from stopping.
    await until('the open polls to end', async () => recorder.inFlight.get('PollForActivityTask') === 0 || undefined);
    expect(stopped).toBe(false);
    expect(w.worker.runningTasks).toBe(1);
    open('in-flight');
    await stopping;
    await w.done;
    expect(w.worker.state).toBe('STOPPED');
    expect(await outcomeOf(suite.env.client, execution, 'in-flight')).toMatchObject({ eventType: 'ActivityTaskCompleted', result: '{"kept":true}' });
    expect(w.outcomes).toEqual([{ activityType: 'e2e-gated', outcome: 'completed' }]);
  });

  it('runs a task that arrives on a poll still open when shutdown begins', async () => {
    // Polls held 5 s, so the worker's poll is surely open while the task is scheduled.
    const slow = await startEndpoint({ pollTimeoutMs: 5_000 });
    try {
      const domain = await slow.newDomain();
      const recorder = recordingClient(slow.client);
      const w = await startWorker({ client: recorder.client, domain, taskList: 'e2e', maxConcurrentPolls: 1 });
      await until('the worker\'s poll to be open', async () => slow.swf.stats().waitingPolls === 1 || undefined);
      const stopping = w.worker.shutdown();
      expect(w.worker.state).toBe('DRAINING');
      const execution = await scheduleActivities(slow.client, domain, [{ activityId: 'late', name: 'e2e-echo', args: ['on the open poll'] }]);
      await stopping;
      await w.done;
      expect(await outcomeOf(slow.client, execution, 'late')).toMatchObject({ eventType: 'ActivityTaskCompleted', result: '["on the open poll"]' });
      expect(recorder.calls.filter((c) => c.operation === 'PollForActivityTask')).toHaveLength(1);
      expect(w.worker.state).toBe('STOPPED');
    } finally {
      await slow.close();
    }
  });

  it('aborts a task that outlives the grace period with kind shutdown and fails it so the decider can retry', async () => {
    const domain = await suite.env.newDomain();
    const w = await startWorker({ client: suite.env.client, domain, taskList: 'e2e', shutdownGraceMs: 100 });
    const execution = await scheduleActivities(suite.env.client, domain, [{ activityId: 'overstay', name: 'e2e-until-aborted' }]);
    await reported('overstay:started');
    await w.stop();
    expect(await reported<SignalSeen>('overstay')).toEqual({ aborted: true, kind: 'shutdown' });
    const outcome = await outcomeOf(suite.env.client, execution, 'overstay');
    expect(outcome.eventType).toBe('ActivityTaskFailed');
    expect(outcome.reason).toBe(
      `worker ${w.worker.identity} shut down before the task finished; retry it elsewhere: ActivityAbortedError: the worker is shutting down and the grace period ran out`,
    );
  });

  it('stops at once when forced, and still reports a task that finishes afterwards', async () => {
    const domain = await suite.env.newDomain();
    const w = await startWorker({ client: suite.env.client, domain, taskList: 'e2e' });
    const execution = await scheduleActivities(suite.env.client, domain, [{ activityId: 'forced', name: 'e2e-gated', args: ['after the stop'] }]);
    await reported('forced:started');
    await w.worker.shutdown({ force: true });
    await w.done;
    expect(w.worker.state).toBe('STOPPED');
    expect(w.worker.runningTasks).toBe(1); // not waited for
    open('forced');
    expect(await outcomeOf(suite.env.client, execution, 'forced')).toMatchObject({ eventType: 'ActivityTaskCompleted', result: '"after the stop"' });
  });
});
