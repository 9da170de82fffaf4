/**
 * Activities of the executor benchmarks. A child process loads them by this file, so they are declared
 * with `@activity` (a child finds them in its registry by name and version). They import the authoring
 * entry (`flowy-swf/activity`), as docs/executors.md advises for activities that run in children.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Activity, activity } from '../src/authoring/index.js';

/** Does nothing: the cost of a task is then the executor's own. */
@activity('bench-noop', 1, 'bench')
export class BenchNoOp extends Activity {
  run(): void {}
}

/** Burns CPU for `ms` without yielding the event loop. */
@activity('bench-burn', 1, 'isolation')
export class BenchBurn extends Activity {
  run(ms: number): number {
    const end = performance.now() + ms;
    let n = 0;
    while (performance.now() < end) n++;
    return n;
  }
}

/** Heartbeats every second for `ms`. */
@activity('bench-beat', 1, 'isolation', { heartbeat: 5 })
export class BenchBeat extends Activity {
  async run(ms: number): Promise<number> {
    const end = performance.now() + ms;
    let beats = 0;
    while (performance.now() < end) {
      if (!(await this.heartbeat(beats))) break;
      beats++;
      await sleep(1_000);
    }
    return beats;
  }
}

/** What `bench-round-trip` awaits once per task; the processExecutor scenario points it at its children. */
export const roundTrip: { to: () => Promise<unknown> } = {
  to: () => Promise.reject(new Error('bench-round-trip: no child to call; the scenario sets roundTrip.to')),
};

/** Run inline, does nothing but one protocol round trip to an idle child process: the floor of a task in a child. */
@activity('bench-round-trip', 1, 'bench')
export class BenchRoundTrip extends Activity {
  async run(): Promise<void> {
    await roundTrip.to();
  }
}
