/**
 * Metrics as operators get them: `startActivityWorker({ metricsPort })` serves Prometheus text at
 * /metrics while the worker runs, counting what really happened on the local endpoint, and stops
 * serving when the worker stops.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Activity, activity, startActivityWorker, type Worker } from 'flowy-swf';
import { captureLog, outcomeOf, scheduleActivities, startEndpoint, unique, until, type Endpoint } from './helpers.js';

const TYPE = unique('metrics-echo');
const TASK_LIST = unique('metrics-tl');

activity(TYPE, 1, TASK_LIST, { scheduleToStart: 60, startToClose: 60, scheduleToClose: 120 })(
  class MetricsEcho extends Activity {
    run(value: string): string {
      if (value === 'boom') throw new Error('boom');
      return value;
    }
  },
);

let env: Endpoint;

beforeAll(async () => {
  env = await startEndpoint();
});

afterAll(async () => {
  await env.close();
});

describe('startActivityWorker with metricsPort', () => {
  it('serves /metrics with polls, tasks by outcome and SWF calls, and stops serving when the worker stops', async () => {
    const domain = await env.newDomain();
    const log = captureLog('info');
    let worker: Worker | undefined;
    const done = startActivityWorker({
      domain,
      taskList: TASK_LIST,
      client: env.client,
      metricsPort: 0,
      logger: log.logger,
      handleSignals: false,
      onWorker: (w) => {
        worker = w;
      },
    });
    done.catch(() => {});
    const url = await until('the metrics URL in the log', async () => {
      const line = log.lines.find((l) => l.msg === 'serving metrics');
      return typeof line?.url === 'string' ? line.url : undefined;
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);

    const execution = await scheduleActivities(env.client, domain, [
      { activityId: 'ok', name: TYPE, args: ['hello'] },
      { activityId: 'bad', name: TYPE, args: ['boom'] },
    ]);
    expect((await outcomeOf(env.client, execution, 'ok')).eventType).toBe('ActivityTaskCompleted');
    expect((await outcomeOf(env.client, execution, 'bad')).eventType).toBe('ActivityTaskFailed');

    const text = await until('both tasks in the metrics', async () => {
      const body = await (await fetch(url)).text();
      return /flowy_swf_tasks_total\{[^}]*outcome="failed"[^}]*\} 1/.test(body) ? body : undefined;
    });
    const labels = `activity_type="${TYPE}",version="1"`;
    expect(text).toContain(`flowy_swf_tasks_total{${labels},outcome="completed",domain="${domain}",task_list="${TASK_LIST}"} 1`);
    expect(text).toContain(`flowy_swf_tasks_total{${labels},outcome="failed",domain="${domain}",task_list="${TASK_LIST}"} 1`);
    expect(text).toMatch(/flowy_swf_polls_total\{outcome="task",[^}]*\} 2/);
    expect(text).toMatch(/flowy_swf_swf_calls_total\{operation="RespondActivityTaskCompleted",outcome="ok",[^}]*\} 1/);
    expect(text).toMatch(/flowy_swf_swf_calls_total\{operation="RespondActivityTaskFailed",outcome="ok",[^}]*\} 1/);
    expect(text).toMatch(/flowy_swf_task_duration_seconds_count\{[^}]*outcome="completed"[^}]*\} 1/);

    await worker?.shutdown();
    await done;
    await expect(fetch(url)).rejects.toThrow();
  });
});
