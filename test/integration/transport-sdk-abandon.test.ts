/**
 * A stop on the SDK path (a client of the user's) over real HTTP: the polls still open at the end of the
 * grace period are abandoned with their connections closed, so the endpoint drops them and a task
 * scheduled afterwards goes to the next worker, not to a request nobody reads.
 */
import { SWFClient } from '@aws-sdk/client-swf';
import { describe, expect, it } from 'vitest';
import { chooseTransport, createSwfClient } from 'flowy-swf';
import '../fixtures/e2e/activities.js';
import { outcomeOf, scheduleActivities, startWorker, useEndpoint } from './helpers.js';

// Polls held 30 s: only an abort ends them within the test.
const suite = useEndpoint({ pollTimeoutMs: 30_000 });

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('stopping a worker on the SDK path', () => {
  it('closes the open polls’ connections at the end of the grace period; the next worker gets the next task', async () => {
    const { swf } = suite.env;
    const client = new SWFClient({ endpoint: swf.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    const seen: string[] = [];
    client.middlewareStack.add(
      (next, context) => async (args) => {
        seen.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'usersOwnWatch' },
    );
    const next = createSwfClient({ endpoint: swf.endpoint });
    try {
      expect(chooseTransport(client).kind).toBe('sdk');
      const domain = await suite.env.newDomain();
      const w = await startWorker({ client, domain, taskList: 'e2e', maxConcurrentTasks: 3, shutdownGraceMs: 100 });
      await until(() => swf.stats().waitingPolls === 3, 'three open polls');
      // run() resolves once the grace is over, though every poll would be held 30 s more.
      await w.stop();
      expect(seen.filter((name) => name === 'PollForActivityTaskCommand')).toHaveLength(3);
      // The endpoint saw the connections close and dropped the polls.
      await until(() => swf.stats().waitingPolls === 0, 'the abandoned polls dropped by the endpoint');

      const execution = await scheduleActivities(suite.env.client, domain, [{ activityId: 'a', name: 'e2e-echo', args: ['after'] }]);
      const second = await startWorker({ client: next, domain, taskList: 'e2e', shutdownGraceMs: 100 });
      try {
        expect(await outcomeOf(suite.env.client, execution, 'a')).toMatchObject({ eventType: 'ActivityTaskCompleted', result: '["after"]' });
      } finally {
        await second.stop();
      }
    } finally {
      client.destroy();
      next.destroy();
    }
  });
});
