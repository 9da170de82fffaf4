/**
 * Messaging across the process boundary: activities in child processes of the process executor and
 * Python programs of a CommandActivity send and receive through the worker's host functions
 * `messaging.send` / `messaging.receive`, with an inline activity on the other end. Real children, the
 * machine's python3, the local endpoint; the in-process router and (when there) Redis.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessRouter, RedisRouter, type ActivityProgress, type MessageRouter } from 'flowy-swf';
import { outcomesOf, scheduleActivities, startWorker, until, useEndpoint, type RunningWorker } from './helpers.js';
import { describeWithRedis, uniquePrefix } from './messaging/redis-env.js';
import { NEVER_RAN } from '../fixtures/messaging-bridge/activities.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/messaging-bridge/activities.ts', import.meta.url));
const suite = useEndpoint();

interface Bridge {
  domain: string;
  w: RunningWorker;
  /** Runs a hub, then `other` with the hub's invocation id; resolves both results. */
  pair(hub: { hellos?: number; answers?: boolean; name?: string }, other: string, otherArgs?: (hubId: string) => unknown[]): Promise<{ hub: unknown; other: unknown; hubId: string }>;
}

async function bridge(router: MessageRouter): Promise<Bridge> {
  const domain = await suite.env.newDomain();
  const progress: ActivityProgress[] = [];
  const w = await startWorker({
    client: suite.env.client,
    domain,
    taskList: 'bridge',
    packages: [FIXTURES],
    messaging: router,
    maxConcurrentTasks: 8,
    onProgress: (e) => progress.push(e),
    processExecutor: { startTimeoutMs: 30_000, idleTimeoutMs: 60_000 },
  });
  let n = 0;
  return {
    domain,
    w,
    async pair(hub, other, otherArgs = (id) => [id]) {
      const hubActivity = `hub-${++n}`;
      const first = await scheduleActivities(suite.env.client, domain, [
        { activityId: hubActivity, name: hub.name ?? 'bridge-hub', args: hub.name ? [] : [hub.hellos ?? 1, hub.answers ?? false], taskList: 'bridge' },
      ]);
      const hubId = await until('the hub to say its invocation id', async () => {
        const p = progress.find((e) => e.activityId === hubActivity);
        return p && (p.value as { invocationId: string }).invocationId;
      }, 60_000);
      const second = await scheduleActivities(suite.env.client, domain, [{ activityId: 'other', name: other, args: otherArgs(hubId), taskList: 'bridge' }]);
      // Generous: a cold child compiles the fixture with tsx on a loaded machine.
      const [h, o] = await Promise.all([
        outcomesOf(suite.env.client, first, [hubActivity], 90_000).then((m) => m.get(hubActivity)!),
        outcomesOf(suite.env.client, second, ['other'], 90_000).then((m) => m.get('other')!),
      ]);
      expect(o, `the ${other} task: ${o.reason ?? ''} ${o.details ?? ''}`).toMatchObject({ eventType: 'ActivityTaskCompleted' });
      expect(h, `the hub task: ${h.reason ?? ''} ${h.details ?? ''}`).toMatchObject({ eventType: 'ActivityTaskCompleted' });
      return { hub: JSON.parse(h.result ?? 'null'), other: JSON.parse(o.result ?? 'null'), hubId };
    },
  };
}

/** The error cases as they arrived on the task side (child or Python), typed and with their code. */
function expectTypedErrors(errors: Record<string, unknown>, where: 'child' | 'python'): void {
  expect(errors.unknown).toMatchObject({ name: 'MessageSendError', code: 'INVOCATION_UNKNOWN', sendError: true, receiveTimeout: false });
  expect((errors.unknown as { message: string }).message).toContain(NEVER_RAN);
  expect(errors.addresseeTimeout).toMatchObject({ name: 'MessageSendError', code: 'ADDRESSEE_TIMEOUT', sendError: true });
  expect((errors.addresseeTimeout as { message: string }).message).toMatch(/nobody-waits/);
  expect(errors.tooLarge).toMatchObject({ name: 'MessageSendError', code: 'MESSAGE_TOO_LARGE', sendError: true });
  expect((errors.tooLarge as { message: string }).message).toMatch(/262,?144|256 KiB/);
  expect(errors.receiveTimeout).toMatchObject({ name: 'MessageReceiveTimeout', code: 'RECEIVE_TIMEOUT', sendError: false, receiveTimeout: true });
  if (where === 'python') expect(errors.noJson).toMatchObject({ name: 'MessageSendError', code: 'INVALID_ARGUMENT' });
}

function bridgeSuite(name: string, makeRouter: () => MessageRouter | Promise<MessageRouter>): void {
  let b: Bridge;
  let router: MessageRouter;
  beforeAll(async () => {
    router = await makeRouter();
    b = await bridge(router);
  }, 60_000);
  afterAll(async () => {
    await b?.w.stop();
    if (router instanceof RedisRouter) await router.close();
  }, 60_000);

  it(`${name}: a process-executor activity and an inline one exchange messages both ways; errors arrive typed in the child`, async () => {
    const { hub, other, hubId } = await b.pair({ hellos: 1 }, 'bridge-child');
    const child = other as { pid: number; invocationId: string; reply: unknown; errors: Record<string, unknown>; finished: unknown };
    expect(child.pid).not.toBe(process.pid);
    const [got] = hub as Array<{ from: string; hello: { pid: number; id: string } }>;
    // The sender the router saw is the id the worker registered, which activityInfo() gives in the child.
    expect(got!.from).toBe(child.invocationId);
    expect(got!.hello).toEqual({ pid: child.pid, id: child.invocationId });
    expect(child.reply).toEqual({ from: hubId, addressee: 'reply', data: { echo: { pid: child.pid, id: child.invocationId }, hub: hubId } });
    expectTypedErrors(child.errors, 'child');
    expect(child.finished).toMatchObject({ name: 'MessageSendError', code: 'INVOCATION_FINISHED', sendError: true });
  }, 120_000);

  it(`${name}: a Python program receives a message from an inline activity and sends one back; errors arrive typed in Python`, async () => {
    for (const program of ['bridge-python', 'bridge-python-in-child']) {
      const { hub, other, hubId } = await b.pair({ hellos: 1, answers: true }, program);
      const py = other as { invocationId: string; sender: string; reply: unknown; errors: Record<string, unknown>; heartbeatWhileReceiving: unknown };
      expect(py.heartbeatWhileReceiving, 'a heartbeat from another thread while receive_message waits').toBe(true);
      expect(py.invocationId, program).toMatch(/^inv-[A-Za-z0-9_-]{22}$/);
      expect(py.sender).toBe(hubId);
      expect(py.reply).toEqual({ echo: { lang: 'python', id: py.invocationId }, hub: hubId });
      expect(hub).toEqual([
        {
          from: py.invocationId,
          hello: { lang: 'python', id: py.invocationId },
          answerFrom: py.invocationId,
          answer: { got: py.reply, addressee: 'reply' },
        },
      ]);
      expectTypedErrors(py.errors, 'python');
    }
  }, 180_000);
}

describe('messaging from child processes and Python, in-process router', () => bridgeSuite('in-process', () => new InProcessRouter()));

describeWithRedis('messaging from child processes and Python, through Redis', (url) => {
  bridgeSuite('Redis', async () => {
    return RedisRouter.connect({ url, keyPrefix: uniquePrefix() });
  });
});

it('docs/messaging.md\'s Python example is a program the tests run, quoted verbatim', async () => {
  const program = readFileSync(new URL('../fixtures/messaging-bridge/report_progress.py', import.meta.url), 'utf8');
  const docs = readFileSync(new URL('../../docs/messaging.md', import.meta.url), 'utf8');
  const blocks = [...docs.matchAll(/```python\n([\s\S]*?)```/g)].map((m) => m[1]);
  expect(blocks).toContain(program);
  const b = await bridge(new InProcessRouter());
  try {
    const { hub, other } = await b.pair({ name: 'bridge-docs-parent' }, 'bridge-docs-example', (id) => [{ parent_invocation_id: id }]);
    const parent = hub as { steps: Array<{ step: number; me: string }>; child: string };
    expect(parent.steps.map((s) => s.step)).toEqual([1, 2, 3]);
    expect(parent.steps.every((s) => s.me === parent.child)).toBe(true);
    expect(other).toEqual({ verdict: 'approved', from: expect.stringMatching(/^inv-/) });
  } finally {
    await b.w.stop();
  }
}, 120_000);
