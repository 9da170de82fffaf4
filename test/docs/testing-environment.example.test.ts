import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEnvironment, type TestEnvironment } from 'flowy-swf/testing';
import { ResizeImages, WaitForUpload } from './resize.js';

describe('media activities through SWF', () => {
  let env: TestEnvironment;
  beforeAll(async () => {
    env = await startTestEnvironment({ activities: [ResizeImages, WaitForUpload] });
  });
  afterAll(async () => {
    await env.teardown();
  });

  it('completes in a real workflow', async () => {
    const outcome = await env.runActivity(ResizeImages, [['https://a/1.png']]);
    expect(outcome).toEqual({ status: 'completed', result: '{"resized":1}' });
  });

  it('times out by heartbeat when it goes quiet, without waiting 60 s', async () => {
    const run = await env.startActivity(WaitForUpload, ['in/a.png']);
    await run.started();
    await env.advanceTime(60);
    expect(await run.outcome()).toEqual({ status: 'timed-out', timeoutType: 'HEARTBEAT', details: 'waiting for in/a.png' });
  });
});
