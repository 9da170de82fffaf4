import { setTimeout as sleep } from 'node:timers/promises';
import { Activity, activity } from 'flowy-swf';

/** Counts slowly, heartbeating each step; stops early when SWF says the task should stop. */
@activity('count-slowly', 1, 'demo-activities', { heartbeat: 10, scheduleToClose: 300, scheduleToStart: 240, startToClose: 120 })
export class CountSlowly extends Activity {
  async run(steps: number, stepMs = 50): Promise<number> {
    let done = 0;
    for (; done < steps; done++) {
      await sleep(stepMs, undefined, { signal: this.signal });
      if (!(await this.heartbeat({ done, steps }))) break;
    }
    return done;
  }
}
