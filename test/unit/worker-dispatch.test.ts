import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Activity } from '../../src/activity/activity.js';
import { activityInfo } from '../../src/activity/context.js';
import { SuspendTask } from '../../src/activity/errors.js';
import { tokenDigest } from '../../src/swf/token.js';
import { Worker, type TaskOutcome, type WorkerOptions } from '../../src/worker/index.js';
import { definition, FakeSwf, lookup } from './worker-fake-swf.js';

class Add extends Activity {
  async run(a: number, b: number): Promise<number> {
    await Promise.resolve();
    return a + b;
  }
}
class Echo extends Activity {
  run(...args: unknown[]): unknown[] {
    return args;
  }
}
class Boom extends Activity {
  run(): never {
    throw new TypeError('bad thing');
  }
}
class ThrowsString extends Activity {
  run(): never {
    throw 'plain string';
  }
}
class Later extends Activity {
  run(): never {
    throw new SuspendTask();
  }
}
let ran = 0;
class BadCtor extends Activity {
  constructor() {
    super();
    throw new Error('no database');
  }
  run(): void {
    ran++;
  }
}
class Big extends Activity {
  run(): string {
    return 'x'.repeat(40_000);
  }
}
class Cyclic extends Activity {
  run(): unknown {
    const a: Record<string, unknown> = {};
    a.self = a;
    return a;
  }
}
class Counted extends Activity {
  run(): void {
    ran++;
  }
}
class Info extends Activity {
  run(): unknown {
    return { info: this.info, same: activityInfo() === this.info, token: this.token };
  }
}

const registry = lookup(
  definition('add', '1', Add),
  definition('echo', '1', Echo),
  definition('boom', '1', Boom),
  definition('string', '1', ThrowsString),
  definition('later', '1', Later),
  definition('badctor', '1', BadCtor),
  definition('big', '1', Big),
  definition('cyclic', '1', Cyclic),
  definition('counted', '1', Counted),
  definition('info', '1', Info),
);

/** Queues the tasks, runs a worker for exactly that many polls, and returns what it reported. */
async function runTasks(fake: FakeSwf, tasks: ReturnType<FakeSwf['task']>[], extra: Partial<WorkerOptions> = {}) {
  for (const t of tasks) fake.push(t);
  const finished: Array<{ type: string; outcome: TaskOutcome }> = [];
  const polls: string[] = [];
  const worker = new Worker({
    client: fake.client,
    domain: 'dom',
    taskList: 'tl',
    registry,
    identity: 'test-worker',
    loop: tasks.length,
    metrics: {
      taskFinished: (type, _v, outcome) => finished.push({ type, outcome }),
      poll: (outcome) => polls.push(outcome),
    },
    ...extra,
  });
  await worker.run();
  expect(worker.state).toBe('STOPPED');
  return { finished, polls, worker };
}

describe('Worker dispatch', () => {
  it('polls with domain, task list and identity, and completes with the JSON result of run', async () => {
    const fake = new FakeSwf();
    const task = fake.task('add', '1', [[2, 3]]);
    const { finished } = await runTasks(fake, [task]);
    expect(fake.callsOf('PollForActivityTask')[0]).toEqual({ domain: 'dom', taskList: { name: 'tl' }, identity: 'test-worker' });
    expect(fake.callsOf('RespondActivityTaskCompleted')).toEqual([{ taskToken: task.taskToken, result: '5' }]);
    expect(finished).toEqual([{ type: 'add', outcome: 'completed' }]);
  });

  it('spreads args and passes non-empty kwargs as the last argument; no input means no arguments', async () => {
    const fake = new FakeSwf();
    await runTasks(fake, [
      fake.task('echo', '1', [[1, 'a'], { k: 2 }]),
      fake.task('echo', '1', [[1], {}]),
      fake.task('echo', '1'),
    ]);
    expect(fake.callsOf('RespondActivityTaskCompleted').map((c) => c.result)).toEqual(['[1,"a",{"k":2}]', '[1]', '[]']);
  });

  it('fails a task whose run throws, with reason and JSON details', async () => {
    const fake = new FakeSwf();
    const { finished } = await runTasks(fake, [fake.task('boom', '1', [[]])]);
    const [failed] = fake.callsOf('RespondActivityTaskFailed');
    expect(failed?.reason).toBe('TypeError: bad thing');
    expect(JSON.parse(failed?.details)).toMatchObject({ type: 'TypeError', message: 'bad thing' });
    expect(fake.callsOf('RespondActivityTaskCompleted')).toEqual([]);
    expect(finished[0]?.outcome).toBe('failed');
  });

  it('fails a task that throws something that is not an Error', async () => {
    const fake = new FakeSwf();
    await runTasks(fake, [fake.task('string', '1', [[]])]);
    expect(fake.callsOf('RespondActivityTaskFailed')[0]?.reason).toBe('plain string');
  });

  it('frees the slot of a suspended task without responding', async () => {
    const fake = new FakeSwf();
    const { finished, worker } = await runTasks(fake, [fake.task('later', '1', [[]])], { maxConcurrentTasks: 1 });
    expect(fake.calls.map((c) => c.op)).toEqual(['PollForActivityTask']);
    expect(finished).toEqual([{ type: 'later', outcome: 'suspended' }]);
    expect(worker.runningTasks).toBe(0);
  });

  it('fails an unknown activity type at once, naming it and the types this worker knows', async () => {
    const fake = new FakeSwf();
    await runTasks(fake, [fake.task('nope', '7', [[]])]);
    const [failed] = fake.callsOf('RespondActivityTaskFailed');
    expect(failed?.reason).toContain('"nope" version "7"');
    expect(failed?.reason).toContain('add@1, badctor@1');
    expect(JSON.parse(failed?.details).known).toContain('info@1');
  });

  it('polls again after empty answers, with "" and with no token at all', async () => {
    const fake = new FakeSwf();
    const answers = [{ taskToken: '' }, {}, fake.task('add', '1', [[1, 1]])];
    fake.handlers.PollForActivityTask = () => answers.shift();
    const { polls } = await runTasks(fake, [], { loop: 3 });
    expect(polls).toEqual(['empty', 'empty', 'task']);
    expect(fake.callsOf('RespondActivityTaskCompleted')).toHaveLength(1);
    expect(fake.callsOf('RespondActivityTaskFailed')).toHaveLength(0);
  });

  it('fails an oversize result at once, naming size and limit, without sending it', async () => {
    const fake = new FakeSwf();
    await runTasks(fake, [fake.task('big', '1', [[]])]);
    expect(fake.callsOf('RespondActivityTaskCompleted')).toEqual([]);
    const reason = fake.callsOf('RespondActivityTaskFailed')[0]?.reason as string;
    expect(reason).toContain('result is 40,002 characters');
    expect(reason).toContain('32,768');
  });

  it('fails a result that cannot be serialized', async () => {
    const fake = new FakeSwf();
    await runTasks(fake, [fake.task('cyclic', '1', [[]])]);
    expect(fake.callsOf('RespondActivityTaskFailed')[0]?.reason).toMatch(/^ResultError: result cannot be serialized as JSON/);
  });

  it('fails the task when the constructor throws, without running it', async () => {
    const fake = new FakeSwf();
    ran = 0;
    await runTasks(fake, [fake.task('badctor', '1', [[]])]);
    expect(ran).toBe(0);
    expect(fake.callsOf('RespondActivityTaskFailed')[0]?.reason).toBe('constructing BadCtor threw: Error: no database');
  });

  it('fails a task whose input is not JSON, saying so, without running it', async () => {
    const fake = new FakeSwf();
    ran = 0;
    await runTasks(fake, [fake.task('counted', '1', 'not json'), fake.task('counted', '1', '{"a":1}')]);
    expect(ran).toBe(0);
    const reasons = fake.callsOf('RespondActivityTaskFailed').map((c) => c.reason as string);
    expect(reasons[0]).toMatch(/^InputError: input is not JSON/);
    expect(reasons[1]).toMatch(/^InputError: input must be the JSON array \[args, kwargs\]/);
  });

  it('gives the activity its info and token, also through activityInfo()', async () => {
    const fake = new FakeSwf();
    const task = fake.task('info', '1', [[]]);
    await runTasks(fake, [task]);
    const result = JSON.parse(fake.callsOf('RespondActivityTaskCompleted')[0]?.result);
    expect(result).toEqual({
      info: {
        activityId: task.activityId,
        activityType: { name: 'info', version: '1' },
        workflowExecution: { workflowId: 'wf-1', runId: 'run-1' },
        startedEventId: task.startedEventId,
        taskList: 'tl',
        domain: 'dom',
        invocationId: expect.stringMatching(/^inv-[A-Za-z0-9_-]{22}$/),
      },
      same: true,
      token: task.taskToken,
    });
  });

  it('logs per task with type, ids and a token digest, never the whole token', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    const fake = new FakeSwf();
    const task = fake.task('boom', '1', [[]]);
    await runTasks(fake, [task], { logger: pino({ level: 'debug' }, stream) });
    const failed = lines.find((l) => l.msg === 'task failed');
    expect(failed).toMatchObject({
      domain: 'dom',
      taskList: 'tl',
      activityType: 'boom',
      activityVersion: '1',
      activityId: task.activityId,
      workflowId: 'wf-1',
      runId: 'run-1',
      tokenDigest: tokenDigest(task.taskToken!),
    });
    expect(lines.some((l) => JSON.stringify(l).includes(task.taskToken!))).toBe(false);
  });
});
