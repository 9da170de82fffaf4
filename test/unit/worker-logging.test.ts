import { describe, expect, it } from 'vitest';
import { Activity } from '../../src/activity/activity.js';
import { Worker } from '../../src/worker/index.js';
import { SUMMARY_INTERVAL_MS } from '../../src/worker/summary.js';
import { definition, FakeClock, FakeSwf, gate, lookup, recordingLogger, settle, until } from './worker-fake-swf.js';

class Quick extends Activity {
  run(): string {
    return 'ok';
  }
}

describe('a logger that throws', () => {
  it('does not leave run() pending when debug throws as a task finishes', async () => {
    const fake = new FakeSwf();
    fake.emptyWhenIdle = true;
    fake.push(fake.task('quick', '1'));
    const { logger } = recordingLogger({
      debug: () => {
        throw new Error('logger broke');
      },
    });
    const worker = new Worker({ client: fake.client, domain: 'dom', taskList: 'tl', registry: lookup(definition('quick', '1', Quick)), logger, loop: 1, minEmptyPollMs: 0 });
    let settled = false;
    const done = worker.run().finally(() => (settled = true));
    await until(() => settled, 'run() to settle');
    await done;
    expect(worker.state).toBe('STOPPED');
    expect(fake.callsOf('RespondActivityTaskCompleted')).toHaveLength(1);
  });
});

describe('the task summary line', () => {
  it('logs the first finished task at once, then at most once a minute with the counts, and a last line at stop', async () => {
    const fake = new FakeSwf();
    const clock = new FakeClock();
    const { logger, lines } = recordingLogger();
    class Flaky extends Activity {
      run(fail: boolean): string {
        if (fail) throw new Error('no');
        return 'ok';
      }
    }
    const worker = new Worker({ client: fake.client, domain: 'dom', taskList: 'tl', registry: lookup(definition('flaky', '1', Flaky)), logger, clock, maxConcurrentPolls: 1 });
    const summaries = () => lines.filter((l) => l.level === 'info' && l.message.startsWith('tasks finished in the last'));
    const done = worker.run();
    const finish = async (fail: boolean, n: number) => {
      const before = fake.callsOf('RespondActivityTaskCompleted').length + fake.callsOf('RespondActivityTaskFailed').length;
      fake.push(fake.task('flaky', '1', [[fail]]));
      await until(() => fake.callsOf('RespondActivityTaskCompleted').length + fake.callsOf('RespondActivityTaskFailed').length === before + n);
      await settle();
    };
    await finish(false, 1);
    expect(summaries().map((l) => l.fields.tasks)).toEqual([{ completed: 1 }]);
    await finish(false, 1);
    await finish(true, 1);
    expect(summaries()).toHaveLength(1); // within the minute: counted, not logged
    await clock.advance(SUMMARY_INTERVAL_MS);
    await finish(false, 1);
    expect(summaries().map((l) => l.fields.tasks)).toEqual([{ completed: 1 }, { completed: 2, failed: 1 }]);
    expect(summaries()[1]!.message).toBe('tasks finished in the last 60 s: 2 completed, 1 failed');
    await finish(true, 1);
    const stopping = worker.shutdown();
    fake.answerEmpty();
    await stopping;
    await done;
    expect(summaries().map((l) => l.fields.tasks)).toEqual([{ completed: 1 }, { completed: 2, failed: 1 }, { failed: 1 }]);
  });
});

describe('the late-heartbeat warning', () => {
  it('is logged at most once a minute however many heartbeats are late', async () => {
    const fake = new FakeSwf();
    const clock = new FakeClock();
    const release = gate();
    class Beat extends Activity {
      async run(): Promise<void> {
        await this.heartbeat('once');
        await release.promise;
      }
    }
    const tasks = 90;
    for (let i = 0; i < tasks; i++) fake.push(fake.task('beat', '1', [[]]));
    const { logger, lines } = recordingLogger();
    const worker = new Worker({
      client: fake.client,
      domain: 'dom',
      taskList: 'tl',
      registry: lookup(definition('beat', '1', Beat)),
      maxConcurrentTasks: tasks,
      maxConcurrentPolls: tasks,
      loop: tasks,
      clock,
      logger,
      maxHeartbeatsPerSecond: 1,
    });
    const late = () => lines.filter((l) => l.level === 'warn' && /^heartbeats wait \d+ s for the worker's budget/.test(l.message));
    const done = worker.run();
    await until(() => worker.runningTasks === tasks, 'every task running');
    await settle();
    await clock.advance(4_000);
    expect(late()).toHaveLength(0);
    await clock.advance(1_000); // a heartbeat has now waited 5 s
    expect(late()).toHaveLength(1);
    expect(late()[0]!.message).toMatch(/^heartbeats wait 5 s/);
    for (let s = 0; s < 59; s++) await clock.advance(1_000); // one more late heartbeat every second
    expect(late()).toHaveLength(1);
    await clock.advance(1_000);
    expect(late()).toHaveLength(2);
    release.open();
    await clock.advance(30_000);
    await done;
  });
});
