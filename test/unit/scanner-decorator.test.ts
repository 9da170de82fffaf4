import { afterEach, describe, expect, it } from 'vitest';
import { Activity } from '../../src/activity/index.js';
import { ConfigurationError } from '../../src/swf/errors.js';
import { activity, ActivityRegistry, defaultRegistry, type ActivityClass } from '../../src/scanner/index.js';
import { definitionsOf } from '../../src/scanner/decorator.js';

// The decorator writes to the process-wide default registry: every test starts from an empty one.
afterEach(() => {
  defaultRegistry().clear();
});

function expectNothingRegistered(): void {
  expect(defaultRegistry().size).toBe(0);
}

describe('@activity', () => {
  it('records the name, the version as a string, the task list and Flowy’s default timeouts', () => {
    @activity('dec-echo', 1, 'dec-tl')
    class Echo extends Activity {
      run(value: string): string {
        return value;
      }
    }

    const definition = defaultRegistry().get('dec-echo', '1');
    expect(definition).toEqual({
      name: 'dec-echo',
      version: '1',
      taskList: 'dec-tl',
      defaults: {
        heartbeatTimeout: 'NONE',
        scheduleToCloseTimeout: '420',
        scheduleToStartTimeout: '120',
        startToCloseTimeout: '300',
      },
      activityClass: Echo,
    });
    expect(Object.isFrozen(definition)).toBe(true);
    expect(definitionsOf(Echo)).toEqual([definition]);
    expect(new Echo().run('hi')).toBe('hi');
  });

  it('keeps a string version as written and turns a number into its string', () => {
    @activity('dec-str', '1.2-beta', 'tl')
    class A extends Activity {
      run(): void {}
    }
    @activity('dec-num', 1.5, 'tl')
    class B extends Activity {
      run(): void {}
    }
    expect(defaultRegistry().get('dec-str', '1.2-beta')?.activityClass).toBe(A);
    expect(defaultRegistry().get('dec-num', '1.5')?.activityClass).toBe(B);
    expect(defaultRegistry().get('dec-num', 1.5)?.version).toBe('1.5');
  });

  it('takes given timeouts as whole seconds or NONE, as SWF strings, and keeps defaults for the rest', () => {
    @activity('dec-timeouts', 1, 'tl', { heartbeat: 30, scheduleToClose: 'NONE', startToClose: 0 })
    class T extends Activity {
      run(): void {}
    }
    expect(definitionsOf(T)[0]?.defaults).toEqual({
      heartbeatTimeout: '30',
      scheduleToCloseTimeout: 'NONE',
      scheduleToStartTimeout: '120',
      startToCloseTimeout: '0',
    });
    const max = activity('dec-max', 1, 'tl', { scheduleToStart: 99_999_999 })(
      class extends Activity {
        run(): void {}
      },
    );
    expect(definitionsOf(max)[0]?.defaults.scheduleToStartTimeout).toBe('99999999');
  });

  it('works as a plain call, as JavaScript users write it, and returns the class', () => {
    const Echo = activity('dec-call', 7, 'tl')(
      class Echo extends Activity {
        run(value: unknown): unknown {
          return value;
        }
      },
    );
    expect(Echo.name).toBe('Echo');
    expect(new Echo().run(3)).toBe(3);
    expect(defaultRegistry().get('dec-call', '7')?.activityClass).toBe(Echo);
  });

  it('works as a standard (TC39) class decorator too: the class and a context', () => {
    class Std extends Activity {
      run(): void {}
    }
    const context = { kind: 'class', name: 'Std' } as unknown as ClassDecoratorContext;
    expect(activity('dec-std', 1, 'tl')(Std, context)).toBe(Std);
    expect(defaultRegistry().get('dec-std', '1')?.activityClass).toBe(Std);
  });

  it('lets one class implement several versions', () => {
    @activity('dec-multi', 2, 'tl')
    @activity('dec-multi', 1, 'tl')
    class Multi extends Activity {
      run(): void {}
    }
    expect(definitionsOf(Multi).map((d) => d.version)).toEqual(['1', '2']);
    expect(defaultRegistry().list().map((d) => d.version)).toEqual(['1', '2']);
  });

  it('checks everything before it sees the class', () => {
    expect(() => activity('', 1, 'tl')).toThrow(ConfigurationError);
    expectNothingRegistered();
  });

  describe('rejects what SWF would refuse, naming the thing, the limit and the fix', () => {
    const cases: [string, () => unknown, RegExp, new (...args: never[]) => Error][] = [
      ['an empty name', () => activity('', 1, 'tl'), /name is empty; SWF needs at least 1 character/, ConfigurationError],
      ['a name over 256 characters', () => activity('n'.repeat(257), 1, 'tl'), /name is 257 characters; SWF allows 256/, ConfigurationError],
      ['a name with ":"', () => activity('a:b', 1, 'tl'), /name contains the character ":", which SWF forbids/, ConfigurationError],
      ['the name "arn"', () => activity('arn', 1, 'tl'), /name is the literal string 'arn'/, ConfigurationError],
      ['a name with white space around it', () => activity(' echo', 1, 'tl'), /name starts or ends with white space/, ConfigurationError],
      ['a name that is not a string', () => activity(42 as unknown as string, 1, 'tl'), /name \(the activity type name\) must be a string, got number 42/, TypeError],
      ['an empty version', () => activity('echo', '', 'tl'), /version is empty/, ConfigurationError],
      ['a version over 64 characters', () => activity('echo', 'v'.repeat(65), 'tl'), /version is 65 characters; SWF allows 64/, ConfigurationError],
      ['a version with "/"', () => activity('echo', '1/2', 'tl'), /version contains the character "\/"/, ConfigurationError],
      ['a version that is NaN', () => activity('echo', Number.NaN, 'tl'), /version is NaN; give a finite number/, TypeError],
      ['a version that is an object', () => activity('echo', {} as unknown as string, 'tl'), /version must be a string or a number, got an object/, TypeError],
      ['an empty task list', () => activity('echo', 1, ''), /taskList is empty/, ConfigurationError],
      ['a task list over 256 characters', () => activity('echo', 1, 't'.repeat(257)), /taskList is 257 characters; SWF allows 256/, ConfigurationError],
      ['a task list with "|"', () => activity('echo', 1, 'a|b'), /taskList contains the character "\|"/, ConfigurationError],
      ['a task list that is not a string', () => activity('echo', 1, undefined as unknown as string), /taskList \(the default task list\) must be a string, got undefined/, TypeError],
      ['a fractional timeout', () => activity('echo', 1, 'tl', { startToClose: 1.5 }), /timeouts.startToClose is 1.5; SWF takes whole, non-negative seconds/, ConfigurationError],
      ['a negative timeout', () => activity('echo', 1, 'tl', { heartbeat: -1 }), /timeouts.heartbeat is -1; SWF takes whole, non-negative seconds/, ConfigurationError],
      ['a timeout over 8 digits', () => activity('echo', 1, 'tl', { scheduleToClose: 100_000_000 }), /timeouts.scheduleToClose is 100,000,000 seconds; SWF allows at most 99,999,999/, ConfigurationError],
      ['"none" in lower case', () => activity('echo', 1, 'tl', { heartbeat: 'none' as 'NONE' }), /timeouts.heartbeat is "none"; write 'NONE' exactly/, TypeError],
      ['a timeout given as a string of digits', () => activity('echo', 1, 'tl', { startToClose: '300' as unknown as number }), /give a number of seconds such as 300, or 'NONE'/, TypeError],
      ['an unknown timeout', () => activity('echo', 1, 'tl', { schedule_to_close: 5 } as never), /unknown timeout "schedule_to_close"; the timeouts are heartbeat, scheduleToClose, scheduleToStart, startToClose/, TypeError],
      ['timeouts that are not an object', () => activity('echo', 1, 'tl', 300 as never), /timeouts must be an object such as \{ startToClose: 60 \}, got number 300/, TypeError],
    ];
    for (const [what, call, message, type] of cases) {
      it(what, () => {
        let thrown: unknown;
        try {
          call();
        } catch (error) {
          thrown = error;
        }
        expect(thrown).toBeInstanceOf(type);
        expect((thrown as Error).message).toMatch(message);
        expect((thrown as Error).message).toMatch(/^@activity\(/);
        expectNothingRegistered();
      });
    }

    it('accepts names at the limits', () => {
      const Long = activity('n'.repeat(256), 'v'.repeat(64), 't'.repeat(256))(
        class Long extends Activity {
          run(): void {}
        },
      );
      expect(defaultRegistry().get('n'.repeat(256), 'v'.repeat(64))?.activityClass).toBe(Long);
    });

    it('shortens a long value where it shows the call', () => {
      expect(() => activity('n'.repeat(300), 1, 'tl')).toThrow(/^@activity\('n{32}…' \(300 characters\), 1, 'tl'\): name is 300/);
    });
  });

  it('says how to call it when applied without arguments', () => {
    class Bare extends Activity {
      run(): void {}
    }
    expect(() => activity(Bare as unknown as string, 1, 'tl')).toThrow(
      /@activity was applied without arguments to class Bare: write @activity\('name', version, 'taskList'\)/,
    );
  });

  describe('checks the class', () => {
    it('rejects a class without run()', () => {
      class NoRun {}
      expect(() => activity('dec-norun', 1, 'tl')(NoRun as unknown as ActivityClass)).toThrow(
        /class NoRun has no run\(\) method; an activity class must extend Activity and override run\(\)/,
      );
      expectNothingRegistered();
      expect(definitionsOf(NoRun)).toEqual([]);
    });

    it('rejects a class with run() that does not extend Activity', () => {
      class Lookalike {
        run(): void {}
      }
      expect(() => activity('dec-lookalike', 1, 'tl')(Lookalike as unknown as ActivityClass)).toThrow(
        /class Lookalike has run\(\) but does not extend Activity .*write `class Lookalike extends Activity`/,
      );
      expectNothingRegistered();
    });

    it('rejects something that is not a class', () => {
      expect(() => activity('dec-fn', 1, 'tl')({ run() {} } as unknown as ActivityClass)).toThrow(TypeError);
      expect(() => activity('dec-fn', 1, 'tl')({ run() {} } as unknown as ActivityClass)).toThrow(
        /must decorate a class that extends Activity, got an object/,
      );
      expectNothingRegistered();
    });

    it('accepts a subclass of another copy’s Activity: it looks at the prototype chain, not instanceof', () => {
      // What a second copy of flowy-swf's Activity looks like to this one: same methods, another class.
      abstract class OtherActivity {
        abstract run(...args: unknown[]): unknown;
        deserializeArguments(): unknown[] {
          return [];
        }
        serializeResult(): string {
          return 'null';
        }
      }
      class Foreign extends OtherActivity {
        run(): string {
          return 'foreign';
        }
      }
      expect(Foreign.prototype instanceof Activity).toBe(false);
      activity('dec-foreign', 1, 'tl')(Foreign as unknown as ActivityClass);
      expect(defaultRegistry().get('dec-foreign', '1')?.activityClass).toBe(Foreign);
    });
  });

  describe('registers in the default registry', () => {
    it('throws naming both classes when a name and version is taken, and keeps the first', () => {
      @activity('dec-dup', 1, 'tl')
      class FirstEcho extends Activity {
        run(): void {}
      }
      let thrown: unknown;
      try {
        @activity('dec-dup', 1, 'tl')
        class SecondEcho extends Activity {
          run(): void {}
        }
        void SecondEcho;
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ConfigurationError);
      expect((thrown as Error).message).toMatch(
        /activity type dec-dup 1 is registered twice: by class FirstEcho and by class SecondEcho/,
      );
      expect(defaultRegistry().get('dec-dup', '1')?.activityClass).toBe(FirstEcho);
    });

    it('does not mind the same class decorated the same way twice', () => {
      class Twice extends Activity {
        run(): void {}
      }
      activity('dec-twice', 1, 'tl')(Twice);
      activity('dec-twice', 1, 'tl')(Twice);
      expect(defaultRegistry().size).toBe(1);
    });

    it('keeps the registry on globalThis under Symbol.for("flowy-swf.registry"), shared by every copy of flowy-swf', () => {
      const key = Symbol.for('flowy-swf.registry');
      const holder = globalThis as Record<symbol, unknown>;
      const original = defaultRegistry();
      expect(holder[key]).toBe(original);
      expect(defaultRegistry()).toBe(original);

      // Another copy of flowy-swf got there first: this copy must use its registry.
      const fromOtherCopy = new ActivityRegistry();
      Object.defineProperty(globalThis, key, { value: fromOtherCopy, configurable: true, writable: false });
      try {
        expect(defaultRegistry()).toBe(fromOtherCopy);
        const Shared = activity('dec-shared', 1, 'tl')(
          class Shared extends Activity {
            run(): void {}
          },
        );
        expect(fromOtherCopy.get('dec-shared', '1')?.activityClass).toBe(Shared);
        expect(original.get('dec-shared', '1')).toBeUndefined();
      } finally {
        Object.defineProperty(globalThis, key, { value: original, configurable: true, writable: false });
      }
    });

    it('refuses a foreign value under its symbol with a clear error', () => {
      const key = Symbol.for('flowy-swf.registry');
      const original = defaultRegistry();
      Object.defineProperty(globalThis, key, { value: { nope: true }, configurable: true, writable: false });
      try {
        expect(() => defaultRegistry()).toThrow(/holds something that is not an activity registry/);
      } finally {
        Object.defineProperty(globalThis, key, { value: original, configurable: true, writable: false });
      }
    });
  });
});
