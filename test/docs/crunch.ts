// The cancellation example of docs/activities.md: from the third line on, verbatim (checked by doc-examples.test.ts).
import { Activity, activity } from 'flowy-swf';
import { setTimeout as sleep } from 'node:timers/promises';

@activity('crunch', 1, 'my-task-list', { heartbeat: 30 })
export class Crunch extends Activity {
  async run(value: number): Promise<number> {
    for (let step = 0; step < 10; step++) {
      await sleep(5_000, undefined, { signal: this.signal }); // a cancel ends the wait at once
      // false: cancelled or timed out. Throwing reports a cancel as canceled; returning would complete the task.
      if (!(await this.heartbeat({ step }))) this.signal.throwIfAborted();
    }
    return value;
  }
}
