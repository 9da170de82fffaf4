import { describe, expect, it } from 'vitest';
import { Activity, activityInfo, type ActivityContext } from 'flowy-swf';
import { executeActivity, runActivity } from '../../src/executor/run-activity.js';

const DEFAULTS = { heartbeatTimeout: 'NONE', scheduleToCloseTimeout: '1', scheduleToStartTimeout: '1', startToCloseTimeout: '1' };
const define = (activityClass: new () => Activity) => ({ name: 'x', version: '1', taskList: 't', activityClass, defaults: DEFAULTS });

function context(activityId: string): ActivityContext {
  return {
    taskToken: `token-${activityId}`,
    info: { activityId } as ActivityContext['info'],
    signal: new AbortController().signal,
    heartbeat: async () => true,
  };
}

function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** What `activityInfo()` answers now: the activity id, or the error's message. */
function whoIsRunning(): string {
  try {
    return activityInfo().activityId;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Waits for `gate`, then reports who `activityInfo()` says is running; leaves `later` behind for after it returned. */
function waiter(gateOf: Record<string, ReturnType<typeof gate>>, later: Record<string, () => string>): new () => Activity {
  return class Waiter extends Activity {
    async run(): Promise<string> {
      const me = this.info.activityId;
      // Created while the run is under way: the flow it continues keeps this run's context.
      const stillHere = gateOf[`${me}-late`]!.promise.then(whoIsRunning);
      later[me] = () => 'pending';
      void stillHere.then((who) => (later[me] = () => who));
      await gateOf[me]!.promise;
      return whoIsRunning();
    }
  };
}

describe('the activity context store is on while a run is under way', () => {
  it('keeps one run\'s context after another run ends, and is off once none runs', async () => {
    const gates = { a: gate(), b: gate(), 'a-late': gate(), 'b-late': gate() };
    const later: Record<string, () => string> = {};
    const Waiter = waiter(gates, later);
    const a = executeActivity(define(Waiter), undefined, context('a'), () => {});
    const b = executeActivity(define(Waiter), undefined, context('b'), () => {});
    gates.a.open();
    expect(await a).toEqual({ status: 'returned', result: '"a"' });
    // A has ended; B runs on and must still find its own context after its await.
    gates.b.open();
    expect(await b).toEqual({ status: 'returned', result: '"b"' });
    // Both have ended: work they left behind finds no running task.
    gates['a-late'].open();
    gates['b-late'].open();
    await new Promise((resolve) => setImmediate(resolve));
    expect(later.a!()).toMatch(/no activity task is running here/);
    expect(later.b!()).toMatch(/no activity task is running here/);
  });

  it('work left behind by an ended run still sees that run\'s context while another run is under way', async () => {
    const gates = { a: gate(), b: gate(), 'a-late': gate(), 'b-late': gate() };
    const later: Record<string, () => string> = {};
    const Waiter = waiter(gates, later);
    const a = executeActivity(define(Waiter), undefined, context('a'), () => {});
    gates.a.open();
    await a;
    const b = executeActivity(define(Waiter), undefined, context('b'), () => {});
    gates['a-late'].open();
    await new Promise((resolve) => setImmediate(resolve));
    expect(later.a!()).toBe('a');
    gates.b.open();
    await b;
  });

  it('a run that throws at once, a plain value and a generator each end their run', async () => {
    class Throws extends Activity {
      run(): never {
        throw new Error('at once');
      }
    }
    class Plain extends Activity {
      run(): string {
        return whoIsRunning();
      }
    }
    class Streams extends Activity {
      async *run(): AsyncGenerator<string, string> {
        yield whoIsRunning();
        await new Promise((resolve) => setImmediate(resolve));
        yield whoIsRunning();
        return whoIsRunning();
      }
    }
    expect(executeActivity(define(Throws), undefined, context('t'), () => {})).toMatchObject({ status: 'threw' });
    expect(executeActivity(define(Plain), undefined, context('p'), () => {})).toEqual({ status: 'returned', result: '"p"' });
    const yielded: unknown[] = [];
    expect(await executeActivity(define(Streams), undefined, context('s'), (v) => yielded.push(v))).toEqual({ status: 'returned', result: '"s"' });
    expect(yielded).toEqual(['s', 's']);
    expect(whoIsRunning()).toMatch(/no activity task is running here/);
    // A generator closed before its end (the task was given up on) ends its run too.
    const run = runActivity(define(Streams), undefined, context('g'));
    expect((await run.next()).value).toBe('g');
    await run.return({ status: 'returned', result: 'null' });
    const gates = { z: gate(), 'z-late': gate() };
    const later: Record<string, () => string> = {};
    const z = executeActivity(define(waiter(gates, later)), undefined, context('z'), () => {});
    gates.z.open();
    await z;
    gates['z-late'].open();
    await new Promise((resolve) => setImmediate(resolve));
    // Had the closed generator's run not ended, the store would still be on and this would say 'z'.
    expect(later.z!()).toMatch(/no activity task is running here/);
  });
});
