/**
 * Issue #4: the endpoint disappears (closed, port refusing connections) and comes back on the same
 * port; the same worker instance resumes on its own, having retried its polls with backoff, not in a
 * spin. The outage lasts 5 s by default, 30 s with FLOWY_RELIABILITY_SCALE > 1 (see docs/reliability.md).
 */
import { afterEach, describe, expect, it, onTestFailed } from 'vitest';
import type { SWFClient } from '@aws-sdk/client-swf';
import { Activity, ActivityRegistry, Worker, WORKER_DEFAULTS, createSwfClient, encodeFlowyInput, fullJitterBackoff } from 'flowy-swf';
import { startLocalSwf, type LocalSwf } from 'flowy-swf/local';
import { mulberry32 } from '../../src/local/chaos.js';
import {
  activityTasks,
  CountingMetrics,
  Decider,
  fullHistory,
  RecordingLogger,
  registerActivityType,
  registerDomain,
  reliabilityConfig,
  sleep,
  until,
} from './harness.js';

const config = reliabilityConfig();
const ECHO = { name: 'reliability-echo', version: '1' } as const;
/** The default backoff's cap (src/swf/backoff.ts): the longest a poller waits between two attempts. */
const BACKOFF_CAP_MS = 20_000;
const POLL_TIMEOUT_MS = 1000;
const POLLERS = WORKER_DEFAULTS.maxConcurrentPolls;

class Echo extends Activity {
  run(item: string): string {
    return `done:${item}`;
  }
}

/** Opens the gate the gated activity waits at; set while it waits. */
let openGate: (() => void) | undefined;

function releaseGate(): void {
  openGate?.();
}

/** Returns only once the test opens its gate: a task running while the endpoint goes away. */
class Gated extends Activity {
  async run(item: string): Promise<string> {
    await new Promise<void>((resolve) => (openGate = resolve));
    return `done:${item}`;
  }
}

function registry(activityClass: new () => Activity = Echo): ActivityRegistry {
  const r = new ActivityRegistry();
  r.register({
    ...ECHO,
    taskList: 'reliability',
    defaults: { heartbeatTimeout: 'NONE', scheduleToCloseTimeout: 'NONE', scheduleToStartTimeout: 'NONE', startToCloseTimeout: '60' },
    activityClass,
  });
  return r;
}

/** A client wrapper that counts every call the worker starts, by operation, and how each ended. */
class CountingClient {
  attempts = 0;
  failures = 0;
  constructor(private readonly inner: SWFClient) {}
  send: SWFClient['send'] = ((command: Parameters<SWFClient['send']>[0], options?: Parameters<SWFClient['send']>[1]) => {
    this.attempts++;
    return (this.inner.send as (c: unknown, o?: unknown) => Promise<unknown>)(command, options).catch((error: unknown) => {
      this.failures++;
      throw error;
    });
  }) as SWFClient['send'];
}

let cleanup: (() => Promise<void>) | undefined;

afterEach(async () => {
  const c = cleanup;
  cleanup = undefined;
  await c?.();
});

/** Runs `items` through `worker` on `swf` with a fresh decider; resolves with the tasks of the history. */
async function runItems(swf: LocalSwf, client: SWFClient, domain: string, workflowId: string, items: string[]) {
  const decider = new Decider({ client, domain, activityType: ECHO, input: (item) => encodeFlowyInput([item]) });
  decider.start();
  try {
    await decider.startExecution(workflowId, items);
    await until(`${workflowId} to close`, () => decider.runIds.has(workflowId) && swf.stats().openExecutions === 0, BACKOFF_CAP_MS + 30_000, 50);
    expect(decider.errors).toEqual([]);
    return activityTasks(await fullHistory(client, domain, { workflowId, runId: decider.runIds.get(workflowId) as string }));
  } finally {
    await decider.stop();
  }
}

async function setUpDomain(client: SWFClient, domain: string): Promise<void> {
  await registerDomain(client, domain);
  await registerActivityType(client, domain, ECHO, 60);
}

describe('reliability: endpoint outage', () => {
  it(
    `a worker whose endpoint disappears for ${config.outageMs / 1000} s resumes on its own, having backed off rather than spun`,
    async () => {
      onTestFailed(() => console.error(`reliability seed: ${config.seed} (rerun with FLOWY_RELIABILITY_SEED=${config.seed})`));
      const domain = 'reliability-outage';
      let swf = await startLocalSwf({ pollTimeoutMs: POLL_TIMEOUT_MS });
      const port = swf.port;
      let setup = createSwfClient({ endpoint: swf.endpoint });
      const workerClient = createSwfClient({ endpoint: swf.endpoint });
      const counting = new CountingClient(workerClient);
      const metrics = new CountingMetrics();
      // The default backoff (100 ms base, 20 s cap), with seeded jitter.
      const worker = new Worker({
        client: counting,
        domain,
        taskList: 'reliability',
        registry: registry(),
        identity: 'outage-worker',
        maxConcurrentTasks: 10,
        random: mulberry32(config.seed),
        metrics,
      });
      let settled: string | undefined;
      const run = worker.run().then(
        () => void (settled = 'resolved'),
        (error: unknown) => void (settled = `rejected: ${String(error)}`),
      );
      cleanup = async () => {
        await worker.shutdown({ force: true });
        await run;
        setup.destroy();
        workerClient.destroy();
        await swf.close();
      };
      await setUpDomain(setup, domain);

      const before = await runItems(swf, setup, domain, 'before-outage', ['b-0', 'b-1', 'b-2']);
      expect(before.map((t) => [t.startedBy, t.closedAs])).toEqual(Array(3).fill(['outage-worker', 'ActivityTaskCompleted']));

      // The endpoint goes away: open polls are answered empty, then every attempt is refused.
      setup.destroy();
      await swf.close();
      const down = { attempts: counting.attempts, failures: counting.failures, retries: metrics.retries.get('PollForActivityTask') ?? 0 };
      await sleep(config.outageMs);
      const during = {
        attempts: counting.attempts - down.attempts,
        failures: counting.failures - down.failures,
        retries: (metrics.retries.get('PollForActivityTask') ?? 0) - down.retries,
      };
      // Still running: connection refused is transient and never counts towards maxPollFaults.
      expect(settled).toBeUndefined();
      expect(worker.state).toBe('RUNNING');
      // It kept trying, every failed poll was followed by a backoff (a retry counted), and the rate was
      // bounded: full-jitter backoff from 100 ms doubling gives each poller about log2(t / 100 ms) + t / 10 s
      // attempts in t; a spinning loop would make thousands.
      expect(during.failures).toBeGreaterThanOrEqual(POLLERS);
      expect(Math.abs(during.retries - during.failures)).toBeLessThanOrEqual(POLLERS); // a few straddle the window's ends
      expect(during.attempts).toBeLessThanOrEqual(POLLERS * (12 + config.outageMs / 1000));

      // A new endpoint on the same port: state is gone, so set up again and schedule fresh work.
      swf = await startLocalSwf({ port, pollTimeoutMs: POLL_TIMEOUT_MS });
      setup = createSwfClient({ endpoint: swf.endpoint });
      const backAt = Date.now();
      await setUpDomain(setup, domain);
      const after = await runItems(swf, setup, domain, 'after-outage', ['a-0', 'a-1', 'a-2']);
      // The same worker instance, never restarted, picked the new tasks up within the backoff cap.
      expect(after.map((t) => [t.startedBy, t.closedAs])).toEqual(Array(3).fill(['outage-worker', 'ActivityTaskCompleted']));
      expect(Date.now() - backAt).toBeLessThan(BACKOFF_CAP_MS + 15_000);
      expect(settled).toBeUndefined();
      expect(worker.state).toBe('RUNNING');
      expect(metrics.outcomes.get('completed')).toBe(6);

      await worker.shutdown();
      await run;
      expect(settled).toBe('resolved');
    },
    config.outageMs + BACKOFF_CAP_MS + 90_000,
  );

  // A respond whose earlier attempts were refused (connection refused, throttled) and whose retry then gets UnknownResourceFault must not be taken as "probably applied":
  // none of those attempts can have been applied. With real SWF this is a task that timed out during an
  // outage: it must be counted timed out, as history says, not completed.
  it(
    'a result whose task was lost during an outage is reported as lost, not as applied by an earlier attempt',
    async () => {
      const domain = 'reliability-lost-result';
      let swf = await startLocalSwf({ pollTimeoutMs: POLL_TIMEOUT_MS });
      const port = swf.port;
      const setup = createSwfClient({ endpoint: swf.endpoint });
      const workerClient = createSwfClient({ endpoint: swf.endpoint });
      const metrics = new CountingMetrics();
      const logger = new RecordingLogger();
      const worker = new Worker({
        client: workerClient,
        domain,
        taskList: 'reliability',
        registry: registry(Gated),
        identity: 'outage-worker',
        backoff: fullJitterBackoff({ maxMs: 300, random: mulberry32(config.seed) }),
        metrics,
        logger,
      });
      const run = worker.run().catch(() => {});
      const decider = new Decider({ client: setup, domain, activityType: ECHO, input: (item) => encodeFlowyInput([item]) });
      cleanup = async () => {
        releaseGate();
        await decider.stop();
        await worker.shutdown({ force: true });
        await run;
        setup.destroy();
        workerClient.destroy();
        await swf.close();
      };
      openGate = undefined;
      await setUpDomain(setup, domain);
      decider.start();
      await decider.startExecution('gated', ['g-0']);
      await until('the gated task to run', () => openGate !== undefined, 10_000);

      await decider.stop();
      await swf.close();
      // Let the client see its pooled keep-alive sockets closed: a request written on one the server
      // already closed fails with a reset, which the client cannot tell from an answer lost after the
      // call was applied (and so rightly counts as "may have reached SWF"). The case here is an endpoint
      // that is gone: every attempt is refused at connect.
      await sleep(500);
      releaseGate(); // run returns while the endpoint is gone: RespondActivityTaskCompleted is refused and retried
      await until('the response to be retried', () => (metrics.retries.get('RespondActivityTaskCompleted') ?? 0) >= 3, 10_000);
      // A new endpoint does not know the task, as SWF after the task timed out during the outage.
      swf = await startLocalSwf({ port, pollTimeoutMs: POLL_TIMEOUT_MS });
      await until('the task to be finished', () => metrics.outcomes.size > 0, 10_000);

      expect([...metrics.outcomes]).toEqual([['timed-out', 1]]);
      expect(logger.count('warn', /timed out or was closed in SWF before the response; it is lost/)).toBe(1);
      expect(logger.count('info', /an earlier attempt went through/)).toBe(0);
    },
    30_000,
  );
});
