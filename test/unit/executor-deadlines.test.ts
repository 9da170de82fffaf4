/** Deadlines: many deadlines on one timer, as the process executor keeps its ack timeouts and idle children. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Deadlines } from '../../src/executor/deadlines.js';

describe('Deadlines', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs what falls due, at its time, and never what was cleared or replaced', () => {
    const d = new Deadlines<string>(() => Date.now());
    const ran: string[] = [];
    d.set('a', 100, () => ran.push(`a@${Date.now()}`));
    d.set('b', 300, () => ran.push(`b@${Date.now()}`));
    d.set('c', 200, () => ran.push('c'));
    d.clear('c');
    d.set('b', 250, () => ran.push(`b2@${Date.now()}`));
    const start = Date.now();
    vi.advanceTimersByTime(99);
    expect(ran).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ran).toEqual([`a@${start + 100}`]);
    vi.advanceTimersByTime(200);
    expect(ran).toEqual([`a@${start + 100}`, `b2@${start + 250}`]);
    vi.advanceTimersByTime(1_000);
    expect(ran).toHaveLength(2);
  });

  it('uses one timer whatever the number of deadlines, and re-arms for an earlier one', () => {
    const d = new Deadlines<number>(() => Date.now());
    const ran: number[] = [];
    for (let i = 0; i < 1_000; i++) d.set(i, 10_000 + i, () => ran.push(i));
    expect(vi.getTimerCount()).toBe(1);
    d.set(-1, 50, () => ran.push(-1));
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(50);
    expect(ran).toEqual([-1]);
    for (let i = 0; i < 999; i++) d.clear(i);
    vi.advanceTimersByTime(20_000);
    expect(ran).toEqual([-1, 999]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a deadline set by one that runs is kept, and dispose drops them all', () => {
    const d = new Deadlines<string>(() => Date.now());
    const ran: string[] = [];
    d.set('first', 10, () => {
      ran.push('first');
      d.set('second', 10, () => ran.push('second'));
    });
    vi.advanceTimersByTime(10);
    vi.advanceTimersByTime(10);
    expect(ran).toEqual(['first', 'second']);
    d.set('third', 10, () => ran.push('third'));
    d.dispose();
    vi.advanceTimersByTime(100);
    expect(ran).toEqual(['first', 'second']);
    expect(vi.getTimerCount()).toBe(0);
  });
});
