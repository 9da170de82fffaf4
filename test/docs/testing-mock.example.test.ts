import { describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from 'flowy-swf/testing';
import { ResizeImages } from './resize.js';

describe('ResizeImages', () => {
  it('resizes every image and reports progress', async () => {
    const env = new MockActivityEnvironment();
    const outcome = await env.run(ResizeImages, ['https://a/1.png', 'https://a/2.png']);
    expect(outcome).toEqual({ status: 'completed', result: '{"resized":2}' });
    expect(env.heartbeats.map((hb) => hb.details)).toEqual(['{"done":1,"of":2}', '{"done":2,"of":2}']);
  });

  it('fails on a bad URL, with the reason the workflow will see', async () => {
    const outcome = await new MockActivityEnvironment().run(ResizeImages, ['ftp://a/1.png']);
    expect(outcome).toMatchObject({ status: 'failed', reason: 'TypeError: not an https URL: ftp://a/1.png' });
  });

  it('stops when the workflow cancels it', async () => {
    // SWF answers the second heartbeat with "cancel requested".
    const env = new MockActivityEnvironment({ onHeartbeat: (hb) => (hb.index === 2 ? 'cancel-requested' : 'ok') });
    const outcome = await env.run(ResizeImages, ['https://a/1.png', 'https://a/2.png', 'https://a/3.png']);
    expect(outcome.status).toBe('canceled');
    expect(env.heartbeats).toHaveLength(2);
  });
});
