import { Activity, activity } from 'flowy-swf';
import { announceInvocation } from '../swf-signals.js';

/** What a child reports to its parent on the `progress` addressee. */
export type ProgressMessage = { step: number; of: number; note: string } | { done: true; total: number };

/** What {@link CollectProgress} completes with. */
export interface CollectedProgress {
  /** The child's invocation id. */
  from: string;
  /** The steps reported, in the order they came. */
  steps: number[];
  notes: string[];
}

/**
 * A parent that runs while its child works and completes with what the child reported. It tells the
 * workflow its invocation id (a signal); the decider passes that id to the child as input; the child
 * sends progress to the parent's `progress` addressee until it says it is done.
 */
@activity('collect-progress', 1, 'demo-activities', { scheduleToClose: 600, scheduleToStart: 240, startToClose: 300 })
export class CollectProgress extends Activity {
  async run(timeoutSeconds = 60): Promise<CollectedProgress> {
    await announceInvocation(this.info);
    const got: CollectedProgress = { from: '', steps: [], notes: [] };
    for (;;) {
      const { from, data } = await this.receiveMessage<ProgressMessage>('progress', { timeoutSeconds });
      got.from = from;
      if ('done' in data) return got;
      got.steps.push(data.step);
      got.notes.push(data.note);
    }
  }
}

/** A child that works in `steps` steps and reports each one to its parent's invocation, as it goes. */
@activity('report-progress', 1, 'demo-activities', { scheduleToClose: 600, scheduleToStart: 240, startToClose: 300 })
export class ReportProgress extends Activity {
  async run(parentInvocationId: string, steps: number): Promise<{ sent: number }> {
    for (let step = 1; step <= steps; step++) {
      // Resolves once the parent took the message: the child never runs ahead of its parent.
      await this.sendMessage(parentInvocationId, 'progress', { step, of: steps, note: `step ${step} of ${steps} done` });
    }
    await this.sendMessage(parentInvocationId, 'progress', { done: true, total: steps });
    return { sent: steps };
  }
}
