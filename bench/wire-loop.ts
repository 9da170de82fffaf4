/** The wire floor: the bare poll-and-respond loop on a {@link SwfTransport}, no worker. */
import type { SwfTransport } from '../src/swf/transport/index.js';
import type { PollTarget } from './fixtures.js';

/**
 * `concurrency` async loops sharing a budget of `tasks`: poll, then complete with `null`, through the
 * transport alone. An empty poll does not count. `onFinished` is called as each respond returns.
 * Returns the elapsed microseconds.
 */
export async function wireLoop(transport: SwfTransport, target: PollTarget, concurrency: number, tasks: number, onFinished?: () => void): Promise<number> {
  let budget = tasks;
  const input = { domain: target.domain, taskList: { name: target.taskList }, identity: target.identity };
  const loop = async (): Promise<void> => {
    while (budget > 0) {
      budget--;
      const task = await transport.pollForActivityTask(input);
      if (!task.taskToken) {
        budget++;
        continue;
      }
      await transport.respondActivityTaskCompleted({ taskToken: task.taskToken, result: 'null' });
      onFinished?.();
    }
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, loop));
  return Number(process.hrtime.bigint() - started) / 1000;
}
