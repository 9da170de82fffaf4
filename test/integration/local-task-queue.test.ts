import { describe, expect, it } from 'vitest';
import { Deque, TaskDispatcher, type Waiter } from '../../src/local/task-queue.js';
import { createManualClock, createSystemClock } from '../../src/local/index.js';

interface T {
  queued: boolean;
  id: number;
}

describe('local SWF: task queues', () => {
  it('keeps FIFO order through 200,000 tasks, with removals from the middle', () => {
    const q = new TaskDispatcher<T>();
    const tasks = Array.from({ length: 200_000 }, (_, id) => ({ queued: false, id }));
    for (const t of tasks) q.offer(t);
    expect(q.pending).toBe(200_000);
    for (let i = 0; i < 200_000; i += 3) q.remove(tasks[i]!);
    expect(q.pending).toBe(133_333);
    const out: number[] = [];
    for (let t = q.take(); t !== undefined; t = q.take()) out.push(t.id);
    expect(out).toHaveLength(133_333);
    expect(out.every((id, i) => id % 3 !== 0 && (i === 0 || id > out[i - 1]!))).toBe(true);
    expect(q.pending).toBe(0);
  });

  it('gives a task to the oldest live waiter and skips removed ones', () => {
    const q = new TaskDispatcher<T>();
    const got: string[] = [];
    const waiter = (name: string): Waiter<T> => ({ active: true, deliver: (t) => got.push(`${name}:${t?.id}`) });
    const gone = waiter('gone');
    const first = waiter('first');
    const second = waiter('second');
    q.addWaiter(gone);
    q.addWaiter(first);
    q.addWaiter(second);
    q.removeWaiter(gone);
    expect(q.waiting).toBe(2);
    q.offer({ queued: false, id: 1 });
    q.offer({ queued: false, id: 2 });
    q.offer({ queued: false, id: 3 });
    expect(got).toEqual(['first:1', 'second:2']);
    expect(q.pending).toBe(1);
    expect(q.take()?.id).toBe(3);
  });

  it('compacts dead waiters so abandoned polls do not pile up', () => {
    const q = new TaskDispatcher<T>();
    for (let i = 0; i < 10_000; i++) {
      const w: Waiter<T> = { active: true, deliver: () => undefined };
      q.addWaiter(w);
      q.removeWaiter(w);
    }
    expect(q.waiting).toBe(0);
    expect((q as unknown as { waiters: Deque<unknown> }).waiters.length).toBeLessThan(2_100);
  });

  it('runs a manual clock: timers fire in order of due time, cleared ones never', () => {
    const clock = createManualClock(1_000);
    const fired: string[] = [];
    clock.setTimer(300, () => fired.push('c'));
    const b = clock.setTimer(200, () => fired.push('b'));
    clock.setTimer(100, () => {
      fired.push('a');
      clock.setTimer(50, () => fired.push('a2'));
    });
    clock.clearTimer(b);
    clock.advance(250);
    expect(fired).toEqual(['a', 'a2']);
    expect(clock.now()).toBe(1_250);
    clock.advance(50);
    expect(fired).toEqual(['a', 'a2', 'c']);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('runs system-clock timers longer than setTimeout allows (a year) without firing them early', async () => {
    const clock = createSystemClock();
    const fired: string[] = [];
    // Node fires a setTimeout over 2^31 - 1 ms after 1 ms: a naive clock would fire the year first.
    const year = clock.setTimer(365 * 86_400_000, () => fired.push('year'));
    await new Promise<void>((resolve) =>
      clock.setTimer(30, () => {
        fired.push('soon');
        resolve();
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fired).toEqual(['soon']);
    clock.clearTimer(year);
    expect(fired).toEqual(['soon']);
  });
});
