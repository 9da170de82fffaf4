import { Activity, activity, SuspendTask } from 'flowy-swf';
import { approvalInbox } from '../inbox.js';

/**
 * Asks a (simulated) human to approve an order. The worker lets go of the task at once; the external
 * system completes it later by its token with `asyncScheduler().complete(token, result)`.
 */
@activity('approve-order', 1, 'demo-activities', { scheduleToClose: 600, scheduleToStart: 240, startToClose: 600 })
export class ApproveOrder extends Activity {
  run(orderId: string, amount: number): never {
    approvalInbox.emit('request', { orderId, amount, taskToken: this.token });
    throw new SuspendTask();
  }
}
