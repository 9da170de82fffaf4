import { describe, expect, it } from 'vitest';
import { SteadyWindow } from '../../bench/fixtures.js';

/** Calls `finished` `n` times. */
function finish(window: SteadyWindow, n: number): void {
  for (let i = 0; i < n; i++) window.finished();
}

describe('the bench\'s steady window', () => {
  it('skips max(100, 2c) tasks, measures n, and asks for c more after them', () => {
    expect(new SteadyWindow(1, 1500).tasks).toBe(100 + 1500 + 1);
    expect(new SteadyWindow(64, 1500).tasks).toBe(128 + 1500 + 64);
    expect(new SteadyWindow(256, 400).tasks).toBe(512 + 400 + 256);
  });

  it('closes at the last measured task, and what finishes after it changes nothing', () => {
    const window = new SteadyWindow(1, 10);
    finish(window, 109);
    expect(window.us).toBe(0);
    const spin = performance.now() + 2;
    while (performance.now() < spin);
    window.finished(); // the 110th: the window closes
    const { us, cpuUs } = window;
    expect(us).toBeGreaterThan(0);
    expect(cpuUs).toBeGreaterThan(0);
    finish(window, 1);
    expect(window.us).toBe(us);
    expect(window.cpuUs).toBe(cpuUs);
  });
});
