/**
 * The lean transport writes a poll's JSON once per frozen input (the worker polls with one for its whole
 * life) and afresh for any input that may have changed. Bodies are read where they land: a small HTTP
 * server on loopback.
 */
import { SWFClient, type PollForActivityTaskInput } from '@aws-sdk/client-swf';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LeanSwfTransport } from '../../src/swf/transport/index.js';
import { startFakeSwf, type FakeSwf } from '../integration/transport-fake-server.js';

let fake: FakeSwf;
let transport: LeanSwfTransport;
beforeEach(async () => {
  fake = await startFakeSwf();
  const client = new SWFClient({ region: 'eu-west-1', endpoint: fake.endpoint, credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' }, maxAttempts: 1 });
  transport = new LeanSwfTransport(client);
});
afterEach(async () => {
  await transport.close();
  await fake.close();
});

const bodies = (): unknown[] => fake.received.map((r) => JSON.parse(r.body) as unknown);

async function pollTimes(input: PollForActivityTaskInput, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await transport.pollForActivityTask(input);
}

describe('lean transport: the poll body', () => {
  it('is written once for a frozen input and sent unchanged on every poll', async () => {
    let reads = 0;
    // Reading `domain` is how the body is written: its getter counts the writes.
    const input = Object.freeze({
      get domain() {
        reads++;
        return `d${reads}`;
      },
      taskList: Object.freeze({ name: 'tl' }),
      identity: 'host:1',
    });
    await pollTimes(input, 3);
    expect(reads).toBe(1);
    expect(bodies()).toEqual(Array(3).fill({ domain: 'd1', taskList: { name: 'tl' }, identity: 'host:1' }));
  });

  it('is written afresh for an input that is not frozen, so a change shows in the next poll', async () => {
    const input: PollForActivityTaskInput = { domain: 'd', taskList: { name: 'first' }, identity: 'host:1' };
    await pollTimes(input, 1);
    input.taskList = { name: 'second' };
    input.identity = 'host:2';
    await pollTimes(input, 1);
    expect(bodies()).toEqual([
      { domain: 'd', taskList: { name: 'first' }, identity: 'host:1' },
      { domain: 'd', taskList: { name: 'second' }, identity: 'host:2' },
    ]);
  });

  it('is written afresh for a frozen input whose task list is not frozen', async () => {
    const taskList = { name: 'first' };
    const input = Object.freeze({ domain: 'd', taskList });
    await pollTimes(input, 1);
    taskList.name = 'second';
    await pollTimes(input, 1);
    expect(bodies()).toEqual([
      { domain: 'd', taskList: { name: 'first' } },
      { domain: 'd', taskList: { name: 'second' } },
    ]);
  });
});
