import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, prometheusMetrics, serveMetrics } from '../../src/observability/index.js';

describe('prometheusMetrics', () => {
  it('counts polls, tasks, heartbeats, calls and retries under their labels', async () => {
    const metrics = prometheusMetrics({ labels: { domain: 'd', task_list: 't' } });
    metrics.poll('task');
    metrics.poll('empty');
    metrics.poll('empty');
    metrics.taskFinished('echo', '1', 'completed', 0.2);
    metrics.taskFinished('echo', '1', 'failed', 3);
    metrics.slotsInUse(7);
    metrics.heartbeat('cancel-requested');
    metrics.swfCall('RespondActivityTaskCompleted', 'ok');
    metrics.swfRetry('PollForActivityTask');
    const text = await metrics.registry.metrics();
    expect(text).toContain('flowy_swf_polls_total{outcome="empty",domain="d",task_list="t"} 2');
    expect(text).toContain('flowy_swf_polls_total{outcome="task",domain="d",task_list="t"} 1');
    expect(text).toContain('flowy_swf_tasks_total{activity_type="echo",version="1",outcome="failed",domain="d",task_list="t"} 1');
    expect(text).toMatch(/flowy_swf_task_duration_seconds_bucket\{le="5",[^}]*activity_type="echo",version="1",outcome="failed"[^}]*\} 1/);
    expect(text).toMatch(/flowy_swf_task_duration_seconds_bucket\{le="1",[^}]*activity_type="echo",version="1",outcome="failed"[^}]*\} 0/);
    expect(text).toContain('flowy_swf_slots_in_use{domain="d",task_list="t"} 7');
    expect(text).toContain('flowy_swf_heartbeats_total{outcome="cancel-requested",domain="d",task_list="t"} 1');
    expect(text).toContain('flowy_swf_swf_calls_total{operation="RespondActivityTaskCompleted",outcome="ok",domain="d",task_list="t"} 1');
    expect(text).toContain('flowy_swf_swf_retries_total{operation="PollForActivityTask",domain="d",task_list="t"} 1');
  });

  it('counts progress values by activity type and version', async () => {
    const metrics = prometheusMetrics({ labels: { domain: 'd', task_list: 't' } });
    metrics.progress('stream', '1');
    metrics.progress('stream', '1');
    metrics.progress('stream', '2');
    const text = await metrics.registry.metrics();
    expect(text).toContain('flowy_swf_activity_progress_total{activity_type="stream",version="1",domain="d",task_list="t"} 2');
    expect(text).toContain('flowy_swf_activity_progress_total{activity_type="stream",version="2",domain="d",task_list="t"} 1');
  });

  it('keeps two sinks apart: each has its own registry', async () => {
    const a = prometheusMetrics();
    const b = prometheusMetrics();
    a.poll('error');
    expect(await a.registry.metrics()).toContain('flowy_swf_polls_total{outcome="error"} 1');
    expect(await b.registry.metrics()).not.toContain('outcome="error"');
  });
});

describe('serveMetrics', () => {
  it('serves the registry at GET /metrics and nothing else', async () => {
    const metrics = prometheusMetrics();
    metrics.poll('task');
    const server = await serveMetrics(metrics.registry, 0);
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const ok = await fetch(server.url);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toContain('text/plain');
      expect(await ok.text()).toContain('flowy_swf_polls_total{outcome="task"} 1');
      const missing = await fetch(server.url.replace('/metrics', '/other'));
      expect(missing.status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

describe('createLogger', () => {
  it('writes JSON lines when not on a terminal, with the fields given', () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    const logger = createLogger({ level: 'info', destination: out, pretty: false });
    logger.child({ activityId: 'a-1' }).info({ tokenDigest: 'abc' }, 'hello');
    logger.debug('hidden at info');
    const lines = chunks.join('').trim().split('\n');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    expect(line).toMatchObject({ msg: 'hello', activityId: 'a-1', tokenDigest: 'abc', level: 30 });
  });

  it('writes readable lines when asked to', () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    createLogger({ level: 'info', destination: out, pretty: true }).info({ activityId: 'a-1' }, 'hello');
    const text = chunks.join('');
    expect(text).toContain('hello');
    expect(text).toContain('activityId');
    expect(() => JSON.parse(text)).toThrow();
  });
});
