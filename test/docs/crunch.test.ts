import { expect, it } from 'vitest';
import { MockActivityEnvironment } from 'flowy-swf/testing';
import { Crunch } from './crunch.js';

it('the Crunch example of docs/activities.md is reported canceled after a cancel, at once', async () => {
  const env = new MockActivityEnvironment();
  const running = env.run(Crunch, 42);
  await new Promise((resolve) => setTimeout(resolve, 20));
  env.cancel();
  const outcome = await Promise.race([running, new Promise((resolve) => setTimeout(() => resolve('still running after 2 s'), 2_000))]);
  expect(outcome).toMatchObject({ status: 'canceled' });
});

it('the Crunch example reports nothing once it has timed out', async () => {
  const env = new MockActivityEnvironment();
  const running = env.run(Crunch, 42);
  await new Promise((resolve) => setTimeout(resolve, 20));
  env.timeOut();
  expect(await running).toEqual({ status: 'timed-out' });
});
