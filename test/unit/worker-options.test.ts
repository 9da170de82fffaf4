import { hostname } from 'node:os';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/swf/errors.js';
import { systemClock } from '../../src/swf/clock.js';
import { canTransition, compileWorkerOptions, Semaphore, WORKER_DEFAULTS, Worker, type WorkerOptions } from '../../src/worker/index.js';
import { assertTransition } from '../../src/worker/states.js';
import { FakeSwf, lookup } from './worker-fake-swf.js';

const base = (): WorkerOptions => ({ client: new FakeSwf().client, domain: 'dom', taskList: 'tl', registry: lookup() });

describe('compileWorkerOptions', () => {
  it('applies the documented defaults', () => {
    const o = compileWorkerOptions(base());
    expect(o.identity).toBe(`${hostname()}:${process.pid}`);
    expect(o.maxConcurrentTasks).toBe(100);
    expect(o.maxConcurrentPolls).toBe(5);
    expect(o.loop).toBe(Number.POSITIVE_INFINITY);
    expect(o.autoHeartbeat).toBe(false);
    expect(o.heartbeatIntervalMs).toBe(1_000);
    expect(o.shutdownGraceMs).toBe(25_000);
    expect(o.minEmptyPollMs).toBe(100);
    expect(o.maxPollFaults).toBe(10);
    expect(o.clock).toBe(systemClock);
    expect(o.logger.isLevelEnabled('error')).toBe(false);
    expect(WORKER_DEFAULTS.maxConcurrentTasks).toBe(100);
  });

  it('defaults maxConcurrentPolls to min(maxConcurrentTasks, 5)', () => {
    expect(compileWorkerOptions({ ...base(), maxConcurrentTasks: 2 }).maxConcurrentPolls).toBe(2);
    expect(compileWorkerOptions({ ...base(), maxConcurrentTasks: 50 }).maxConcurrentPolls).toBe(5);
  });

  it('feeds random to the default full-jitter backoff', () => {
    const o = compileWorkerOptions({ ...base(), random: () => 0.25 });
    expect([0, 1, 2, 20].map((a) => o.backoff.delay(a))).toEqual([25, 50, 100, 5_000]);
  });

  it('accepts a pino logger', () => {
    expect(() => new Worker({ ...base(), logger: pino({ level: 'silent' }) })).not.toThrow();
  });

  it.each<[string, Partial<WorkerOptions> & Record<string, unknown>, RegExp]>([
    ['maxConcurrentTasks 0', { maxConcurrentTasks: 0 }, /maxConcurrentTasks must be a positive integer, got 0/],
    ['maxConcurrentTasks 1.5', { maxConcurrentTasks: 1.5 }, /maxConcurrentTasks must be a positive integer/],
    ['maxConcurrentPolls NaN', { maxConcurrentPolls: Number.NaN }, /maxConcurrentPolls must be a positive integer/],
    ['more polls than slots', { maxConcurrentTasks: 2, maxConcurrentPolls: 3 }, /maxConcurrentPolls \(3\) is more than maxConcurrentTasks \(2\)/],
    ['identity too long', { identity: 'i'.repeat(257) }, /identity is 257 characters; SWF allows 256/],
    ['empty identity', { identity: '' }, /identity must be a non-empty string/],
    ['bad domain', { domain: 'a:b' }, /domain "a:b" contains the character ":"/],
    ['empty task list', { taskList: '' }, /taskList "" is empty/],
    ['loop -1', { loop: -1 }, /loop must be an integer ≥ 0 or Infinity/],
    ['heartbeatIntervalMs -1', { heartbeatIntervalMs: -1 }, /heartbeatIntervalMs must be a finite number of milliseconds/],
    ['shutdownGraceMs Infinity', { shutdownGraceMs: Number.POSITIVE_INFINITY }, /shutdownGraceMs must be a finite number/],
    ['maxPollFaults 0', { maxPollFaults: 0 }, /maxPollFaults must be an integer ≥ 1 or Infinity/],
    ['autoHeartbeat "yes"', { autoHeartbeat: 'yes' as unknown as boolean }, /autoHeartbeat must be true or false/],
    ['client without send', { client: {} as WorkerOptions['client'] }, /client must be an SWFClient/],
    ['registry without list', { registry: { get: () => undefined } as unknown as WorkerOptions['registry'] }, /registry must have get\(name, version\) and list\(\)/],
  ])('rejects %s with a ConfigurationError naming the option', (_name, patch, message) => {
    const build = (): unknown => new Worker({ ...base(), ...patch });
    expect(build).toThrow(ConfigurationError);
    expect(build).toThrow(message);
  });

  it('accepts Infinity for loop and maxPollFaults', () => {
    const o = compileWorkerOptions({ ...base(), loop: Number.POSITIVE_INFINITY, maxPollFaults: Number.POSITIVE_INFINITY });
    expect(o.maxPollFaults).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('worker states', () => {
  it('allows only the documented transitions', () => {
    expect(canTransition('INITIALIZED', 'RUNNING')).toBe(true);
    expect(canTransition('INITIALIZED', 'STOPPED')).toBe(true);
    expect(canTransition('RUNNING', 'DRAINING')).toBe(true);
    expect(canTransition('DRAINING', 'STOPPED')).toBe(true);
    expect(canTransition('DRAINING', 'FAILED')).toBe(true);
    expect(canTransition('RUNNING', 'STOPPED')).toBe(false);
    expect(canTransition('STOPPED', 'RUNNING')).toBe(false);
    expect(canTransition('DRAINING', 'RUNNING')).toBe(false);
    expect(() => assertTransition('STOPPED', 'RUNNING')).toThrow(/cannot go from STOPPED to RUNNING; .*nothing \(final state\)/);
  });
});

describe('Semaphore', () => {
  it('hands out at most capacity slots and serves waiters in order', async () => {
    const s = new Semaphore(2);
    expect(s.tryAcquire()).toBe(true);
    await s.acquire();
    expect(s.tryAcquire()).toBe(false);
    expect(s.inUse).toBe(2);
    const order: number[] = [];
    const a = s.acquire().then(() => order.push(1));
    const b = s.acquire().then(() => order.push(2));
    s.release();
    await a;
    expect(order).toEqual([1]);
    expect(s.available).toBe(0);
    s.release();
    await b;
    expect(order).toEqual([1, 2]);
    s.release();
    s.release();
    expect(s.available).toBe(2);
    expect(() => s.release()).toThrow(/more often than acquire/);
  });

  it('drops a waiter whose signal aborts, without taking a slot', async () => {
    const s = new Semaphore(1);
    s.tryAcquire();
    const controller = new AbortController();
    const waiting = s.acquire(controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    s.release();
    expect(s.available).toBe(1);
    await expect(s.acquire(controller.signal)).rejects.toThrow('stop');
  });
});
