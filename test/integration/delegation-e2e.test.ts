/**
 * Delegated tasks end to end (issue #11): a worker seals a callback id, a third party (the test) finishes the
 * task over real HTTP through the callback service, which calls the local endpoint with the real
 * `@aws-sdk/client-swf`; every outcome is read back from the workflow history.
 */
import { describe, expect, it } from 'vitest';
import { tokenDigest } from 'flowy-swf';
import { handleOf, tokens } from '../fixtures/e2e/delegation.js';
import { newSecret, put, startRig } from './delegation-helpers.js';
import { captureLog, outcomeOf, requestCancel, scheduleActivities, startWorker, unique, until, history, useEndpoint } from './helpers.js';

const suite = useEndpoint();

describe.concurrent('delegated tasks over HTTP', () => {
  it('SUCCESS completes the task with output encoded as the worker encodes results', async () => {
    const rig = await startRig(suite.env, [newSecret()]);
    try {
      const activityId = unique('ok');
      const execution = await scheduleActivities(suite.env.client, rig.domain, [{ activityId, name: 'e2e-delegate', args: [] }]);
      const handle = await handleOf(activityId);
      expect(handle.url).toBe(`${rig.server.url}/v1/callbacks/${handle.id}`);
      expect(handle.id).toMatch(/^[A-Za-z0-9_-]+$/);
      // The id reveals nothing of the token it seals.
      expect(handle.id).not.toContain(tokens.get(activityId)!.slice(0, 16));
      const answer = await put(handle.url, { state: 'SUCCESS', output: { approved: true, note: 'ünïcode' } });
      expect(answer).toMatchObject({ status: 200, body: { state: 'SUCCESS', outcome: 'applied' } });
      const outcome = await outcomeOf(suite.env.client, execution, activityId);
      expect(outcome).toMatchObject({ eventType: 'ActivityTaskCompleted', result: '{"approved":true,"note":"ünïcode"}', closes: 1 });
      expect(rig.worker.outcomes).toEqual([{ activityType: 'e2e-delegate', outcome: 'suspended' }]);
      // A duplicate callback finds the task closed: 409, and the history keeps one close.
      const again = await put(handle.url, { state: 'SUCCESS', output: 2 });
      expect(again.status).toBe(409);
      expect(again.body.message).toMatch(/already closed or timed out/);
      expect((await outcomeOf(suite.env.client, execution, activityId)).closes).toBe(1);
    } finally {
      await rig.close();
    }
  });

  it('SUCCESS without output completes with null', async () => {
    const rig = await startRig(suite.env, [newSecret()]);
    try {
      const activityId = unique('null');
      const execution = await scheduleActivities(suite.env.client, rig.domain, [{ activityId, name: 'e2e-delegate', args: [] }]);
      expect((await put((await handleOf(activityId)).url, { state: 'SUCCESS' })).status).toBe(200);
      expect(await outcomeOf(suite.env.client, execution, activityId)).toMatchObject({ eventType: 'ActivityTaskCompleted', result: 'null' });
    } finally {
      await rig.close();
    }
  });

  it('ERROR fails the task with reason and details (an object as JSON)', async () => {
    const rig = await startRig(suite.env, [newSecret()]);
    try {
      const activityId = unique('err');
      const execution = await scheduleActivities(suite.env.client, rig.domain, [{ activityId, name: 'e2e-delegate', args: [] }]);
      const handle = await handleOf(activityId);
      const answer = await put(handle.url, { state: 'ERROR', reason: 'printer on fire', details: { code: 'PC LOAD LETTER' } });
      expect(answer).toMatchObject({ status: 200, body: { state: 'ERROR', outcome: 'applied' } });
      expect(await outcomeOf(suite.env.client, execution, activityId)).toMatchObject({
        eventType: 'ActivityTaskFailed',
        reason: 'printer on fire',
        details: '{"code":"PC LOAD LETTER"}',
      });
    } finally {
      await rig.close();
    }
  });

  it('RUNNING tells the third party a cancel was requested; CANCELLED reports the task canceled', async () => {
    const rig = await startRig(suite.env, [newSecret()]);
    try {
      const activityId = unique('cancel');
      const execution = await scheduleActivities(suite.env.client, rig.domain, [{ activityId, name: 'e2e-delegate', args: [] }]);
      const handle = await handleOf(activityId);
      expect(await put(handle.url, { state: 'RUNNING', details: 'step 1 of 3' })).toMatchObject({ status: 200, body: { cancelRequested: false } });
      await requestCancel(suite.env.client, execution, activityId);
      expect(await put(handle.url, { state: 'RUNNING', details: { step: 2 } })).toMatchObject({ status: 200, body: { state: 'RUNNING', cancelRequested: true } });
      expect(await put(handle.url, { state: 'CANCELLED', details: 'stopped at step 2' })).toMatchObject({ status: 200, body: { state: 'CANCELLED' } });
      expect(await outcomeOf(suite.env.client, execution, activityId)).toMatchObject({ eventType: 'ActivityTaskCanceled', details: 'stopped at step 2' });
    } finally {
      await rig.close();
    }
  });

  it('RUNNING callbacks keep a task alive past its heartbeat timeout; without them it times out and a late callback gets 409', async () => {
    const rig = await startRig(suite.env, [newSecret()]);
    try {
      const alive = unique('alive');
      const silent = unique('silent');
      const execution = await scheduleActivities(suite.env.client, rig.domain, [
        { activityId: alive, name: 'e2e-delegate', args: [], heartbeatTimeout: '2' },
        { activityId: silent, name: 'e2e-delegate', args: [], heartbeatTimeout: '2' },
      ]);
      const [aliveHandle, silentHandle] = await Promise.all([handleOf(alive), handleOf(silent)]);
      const started = Date.now();
      // Three times the heartbeat timeout, a RUNNING every 400 ms.
      while (Date.now() - started < 6_000) {
        expect((await put(aliveHandle.url, { state: 'RUNNING', details: `at ${Date.now() - started} ms` })).status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 400));
      }
      const events = await history(suite.env.client, execution);
      expect(events.filter((e) => e.eventType === 'ActivityTaskTimedOut')).toHaveLength(1);
      expect(await outcomeOf(suite.env.client, execution, silent)).toMatchObject({ eventType: 'ActivityTaskTimedOut', timeoutType: 'HEARTBEAT' });
      expect((await put(aliveHandle.url, { state: 'SUCCESS', output: 'done' })).status).toBe(200);
      expect(await outcomeOf(suite.env.client, execution, alive)).toMatchObject({ eventType: 'ActivityTaskCompleted', result: '"done"' });
      const late = await put(silentHandle.url, { state: 'SUCCESS', output: 'too late' });
      expect(late.status).toBe(409);
      expect(late.body).toMatchObject({ error: 'Conflict' });
    } finally {
      await rig.close();
    }
  });

  it('logs digests only: neither the callback id nor the task token appears in any log line', async () => {
    const log = captureLog('trace');
    const rig = await startRig(suite.env, [newSecret()], { server: { logger: log.logger } });
    try {
      const activityId = unique('log');
      const execution = await scheduleActivities(suite.env.client, rig.domain, [{ activityId, name: 'e2e-delegate', args: [] }]);
      const handle = await handleOf(activityId);
      await put(handle.url, { state: 'RUNNING' });
      await put(handle.url, { state: 'SUCCESS', output: 1 });
      await put(handle.url, { state: 'SUCCESS', output: 1 }); // 409, logged as a warning
      await outcomeOf(suite.env.client, execution, activityId);
      const text = log.text();
      const token = tokens.get(activityId)!;
      expect(text).toContain(tokenDigest(token));
      expect(text).toContain('callback applied');
      expect(text).not.toContain(handle.id);
      expect(text).not.toContain(token);
    } finally {
      await rig.close();
    }
  });

  it('delegate() on a worker without callback settings fails the task, naming the flags to set', async () => {
    const domain = await suite.env.newDomain();
    const worker = await startWorker({ client: suite.env.client, domain, taskList: 'e2e-delegation' });
    try {
      const activityId = unique('unconfigured');
      const execution = await scheduleActivities(suite.env.client, domain, [{ activityId, name: 'e2e-delegate', args: [] }]);
      const outcome = await outcomeOf(suite.env.client, execution, activityId);
      expect(outcome.eventType).toBe('ActivityTaskFailed');
      expect(outcome.reason).toMatch(/^ConfigurationError: delegate\(\) needs a callback service: .*--callback-secret-file and --callback-url/);
    } finally {
      await worker.stop();
    }
  });

  it('delegate({ expiresInMs }) seals that expiry; by default the type\'s shorter of start-to-close and schedule-to-close', async () => {
    const rig = await startRig(suite.env, [newSecret()]);
    try {
      const short = unique('short');
      const dflt = unique('default');
      const before = Date.now();
      await scheduleActivities(suite.env.client, rig.domain, [
        { activityId: short, name: 'e2e-delegate', args: [5_000] },
        { activityId: dflt, name: 'e2e-delegate', args: [] },
      ]);
      const [s, d] = await Promise.all([handleOf(short), handleOf(dflt)]);
      const after = Date.now();
      expect(s.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 5_000);
      expect(s.expiresAt.getTime()).toBeLessThanOrEqual(after + 5_000);
      // The fixture's type: startToClose 30 s, scheduleToClose 60 s.
      expect(d.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 30_000);
      expect(d.expiresAt.getTime()).toBeLessThanOrEqual(after + 30_000);
      await until('both answered', async () => (await put(s.url, { state: 'SUCCESS' })).status === 200 && (await put(d.url, { state: 'SUCCESS' })).status === 200);
    } finally {
      await rig.close();
    }
  });
});
