/** Many tasks through one worker end to end (issue #3): each runs once, completes once, within the slots. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../fixtures/e2e/activities.js';
import { gauge } from '../fixtures/e2e/control.js';
import { history, outcomesOf, recordingClient, scheduleActivities, startEndpoint, startWorker, type Endpoint } from './helpers.js';

let env: Endpoint;

beforeAll(async () => {
  env = await startEndpoint();
});

afterAll(async () => {
  await env.close();
});

describe('many tasks', () => {
  it('completes 200 tasks with 16 slots: each exactly once in history, with its own result', async () => {
    const domain = await env.newDomain();
    const recorder = recordingClient(env.client);
    const w = await startWorker({ client: recorder.client, domain, taskList: 'e2e', maxConcurrentTasks: 16 });
    try {
      const ids = Array.from({ length: 200 }, (_, n) => `sq-${n}`);
      const execution = await scheduleActivities(
        env.client,
        domain,
        ids.map((activityId, n) => ({ activityId, name: 'e2e-square', args: [n] })),
      );
      const outcomes = await outcomesOf(env.client, execution, ids, 30_000);
      ids.forEach((id, n) => {
        expect(outcomes.get(id), id).toMatchObject({ eventType: 'ActivityTaskCompleted', result: String(n * n), starts: 1, closes: 1 });
      });
      const events = await history(env.client, execution);
      expect(events.filter((e) => e.eventType === 'ActivityTaskCompleted')).toHaveLength(200);
      expect(events.filter((e) => e.eventType === 'ActivityTaskStarted')).toHaveLength(200);
      expect(events.some((e) => /^ActivityTask(Failed|TimedOut|Canceled)$/.test(e.eventType ?? ''))).toBe(false);
      // One response per task, and never more tasks at once than slots.
      expect(recorder.calls.filter((c) => c.operation === 'RespondActivityTaskCompleted')).toHaveLength(200);
      expect(gauge.max).toBeLessThanOrEqual(16);
      expect(gauge.max).toBeGreaterThan(1);
      expect(w.outcomes.filter((o) => o.outcome === 'completed')).toHaveLength(200);
    } finally {
      await w.stop();
    }
  });
});
