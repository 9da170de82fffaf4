/**
 * Limits and bad input at start-up (issue #4): options that cannot work are refused before any SWF call,
 * polling that keeps failing ends in FAILED, and the scanner imports nothing outside the folders it is given.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SWFClient } from '@aws-sdk/client-swf';
import {
  ActivityRegistry,
  ConfigurationError,
  decodeFlowyInput,
  FlowySwfError,
  scan,
  startActivityWorker,
  Worker,
  type StartActivityWorkerOptions,
} from 'flowy-swf';
import '../fixtures/e2e/limits.js';
import { imported } from '../fixtures/e2e/scan-boundary/imported.js';
import { recordingClient, silentLogger, startEndpoint, startWorker, type Endpoint } from './helpers.js';

/** A client that records what it is asked and answers nothing: no test here may reach SWF. */
function nowhere(): { client: Pick<SWFClient, 'send'>; calls: unknown[] } {
  const calls: unknown[] = [];
  const client = {
    send: (command: unknown) => {
      calls.push(command);
      return Promise.reject(new Error('no SWF call was expected'));
    },
  } as unknown as Pick<SWFClient, 'send'>;
  return { client, calls };
}

describe('configuration errors at start-up', () => {
  const cases: Array<[string, Partial<StartActivityWorkerOptions>, RegExp]> = [
    ['identity over 256 characters', { identity: 'i'.repeat(257) }, /identity is 257 characters; SWF allows 256: pass a shorter one/],
    ['an empty identity', { identity: '' }, /identity must be a non-empty string/],
    ['a task list with a colon', { taskList: 'orders:eu' }, /taskList "orders:eu" contains the character ":", which SWF forbids/],
    ['a task list named arn', { taskList: 'arn' }, /taskList "arn" is the literal string 'arn'/],
    ['a task list over 256 characters', { taskList: 't'.repeat(257) }, /taskList "t+" is 257 characters; SWF allows 256/],
    ['a domain with white space around it', { domain: ' orders' }, /domain " orders" starts or ends with white space/],
    ['a negative concurrency', { maxConcurrentTasks: -1 }, /maxConcurrentTasks must be a positive integer, got -1/],
    ['a fractional concurrency', { maxConcurrentTasks: 2.5 }, /maxConcurrentTasks must be a positive integer, got 2.5/],
    ['more polls than slots', { maxConcurrentTasks: 2, maxConcurrentPolls: 3 }, /maxConcurrentPolls \(3\) is more than maxConcurrentTasks \(2\)/],
    ['a negative grace period', { shutdownGraceMs: -1 }, /shutdownGraceMs must be a finite number of milliseconds ≥ 0, got -1/],
    ['maxPollFaults of 0', { maxPollFaults: 0 }, /maxPollFaults must be an integer ≥ 1 or Infinity, got 0/],
    ['a metrics port out of range', { metricsPort: 70_000 }, /metricsPort is 70000; give a port from 0 to 65535/],
  ];

  it.each(cases)('refuses %s with a ConfigurationError before any SWF call', async (_what, options, message) => {
    const { client, calls } = nowhere();
    const error = await startActivityWorker({
      domain: 'orders',
      taskList: 'limits',
      client,
      registerRemote: true,
      handleSignals: false,
      logger: silentLogger,
      ...options,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(message);
    expect(calls).toEqual([]);
  });

  it('refuses the same options when a Worker is built directly', () => {
    const { client, calls } = nowhere();
    const registry = new ActivityRegistry();
    const base = { client, domain: 'orders', taskList: 'limits', registry };
    expect(() => new Worker({ ...base, identity: 'i'.repeat(257) })).toThrow(ConfigurationError);
    expect(() => new Worker({ ...base, taskList: 'a|b' })).toThrow(/taskList "a\|b" contains the character "\|"/);
    expect(() => new Worker({ ...base, maxConcurrentTasks: -3 })).toThrow(/maxConcurrentTasks must be a positive integer, got -3/);
    expect(calls).toEqual([]);
  });
});

describe('polling that keeps failing', () => {
  let env: Endpoint;
  beforeAll(async () => {
    env = await startEndpoint();
  });
  afterAll(async () => {
    await env.close();
  });

  it('goes FAILED after maxPollFaults non-transient poll errors, naming the last one and the fix', async () => {
    const recorder = recordingClient(env.client);
    const w = await startWorker({
      client: recorder.client,
      domain: 'no-such-domain',
      taskList: 'limits',
      registerRemote: false,
      maxPollFaults: 3,
      maxConcurrentPolls: 1,
      random: () => 0, // no waiting between the failed polls
    });
    const error = await w.done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FlowySwfError);
    expect((error as Error).message).toMatch(
      /^PollForActivityTask failed 3 times in a row with non-transient errors \(last: UnknownResourceFault: .+\); check that domain "no-such-domain" exists and the credentials may poll it$/,
    );
    expect(w.worker.state).toBe('FAILED');
    expect(recorder.calls.filter((c) => c.operation === 'PollForActivityTask')).toHaveLength(3);
  });
});

describe('scanner boundary', () => {
  const fixtures = fileURLToPath(new URL('../fixtures/e2e/scan-boundary/', import.meta.url));

  it('imports only the files under the folder it is given: not a sibling file, not a sibling folder sharing its prefix', async () => {
    const registry = new ActivityRegistry();
    const found = await scan({ packages: ['inside'], cwd: fixtures, registry });
    expect(found.map((d) => d.name)).toEqual(['scan-boundary-ok']);
    expect(imported).toEqual(['inside/nested/deeper.ts', 'inside/ok.ts']);
    // A glob, and a path that walks out and back in, reach no further.
    const again = await scan({ packages: ['inside/**/*.ts', '../scan-boundary/inside/../inside'], cwd: fixtures, registry: new ActivityRegistry() });
    expect(again.map((d) => d.name)).toEqual(['scan-boundary-ok']);
    expect(imported).not.toContain('outside.ts');
    expect(imported).not.toContain('inside-sibling/evil.ts');
  });
});

describe('input decoding', () => {
  it('drops __proto__, constructor and prototype keys however they are written', () => {
    const [value] = decodeFlowyInput(String.raw`[[{"\u005f_proto__":{"x":1},"\u0063onstructor":{"y":2},"pro\u0074otype":3,"keep":4}],{}]`) as [Record<string, unknown>];
    expect(Object.getOwnPropertyNames(value)).toEqual(['keep']);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });
});
