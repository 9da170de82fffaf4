import { describe, expect, it } from 'vitest';
import { Activity } from '../../src/activity/index.js';
import { ConfigurationError } from '../../src/swf/errors.js';
import { ActivityRegistry, type ActivityClass, type ActivityDefinition } from '../../src/scanner/index.js';

function classNamed(name: string): ActivityClass {
  const made = {
    [name]: class extends Activity {
      run(): void {}
    },
  }[name];
  if (!made) throw new Error('unreachable');
  return made;
}

function definition(name: string, version: string, activityClass: ActivityClass, taskList = 'tl'): ActivityDefinition {
  return {
    name,
    version,
    taskList,
    defaults: {
      heartbeatTimeout: 'NONE',
      scheduleToCloseTimeout: '420',
      scheduleToStartTimeout: '120',
      startToCloseTimeout: '300',
    },
    activityClass,
  };
}

describe('ActivityRegistry', () => {
  it('finds a definition by name and version, a number version as its string', () => {
    const registry = new ActivityRegistry();
    const echo = definition('echo', '1', classNamed('Echo'));
    registry.register(echo);
    expect(registry.get('echo', '1')).toBe(echo);
    expect(registry.get('echo', 1)).toBe(echo);
    expect(registry.has('echo', 1)).toBe(true);
    expect(registry.get('echo', '2')).toBeUndefined();
    expect(registry.get('echo1', '')).toBeUndefined();
    expect(registry.size).toBe(1);
  });

  it('lists by name, then version with numbers in numeric order', () => {
    const registry = new ActivityRegistry();
    const C = classNamed('C');
    for (const [name, version] of [
      ['b', '1'],
      ['a', '10'],
      ['a', '2'],
      ['a', '1.10'],
      ['a', '1.9'],
      ['B', '1'],
    ] as const) {
      registry.register(definition(name, version, C));
    }
    expect(registry.list().map((d) => `${d.name} ${d.version}`)).toEqual(['B 1', 'a 1.9', 'a 1.10', 'a 2', 'a 10', 'b 1']);
  });

  it('throws naming both classes and the type when a name and version is registered twice', () => {
    const registry = new ActivityRegistry();
    registry.register(definition('echo', '1', classNamed('Echo')));
    expect(() => registry.register(definition('echo', '1', classNamed('EchoAgain')))).toThrow(ConfigurationError);
    expect(() => registry.register(definition('echo', '1', classNamed('EchoAgain')))).toThrow(
      'activity type echo 1 is registered twice: by class Echo and by class EchoAgain',
    );
    expect(registry.get('echo', '1')?.activityClass.name).toBe('Echo');
  });

  it('names an anonymous class as such', () => {
    const registry = new ActivityRegistry();
    registry.register(definition('echo', '1', classNamed('Echo')));
    const anonymous = (() =>
      class extends Activity {
        run(): void {}
      })();
    expect(() => registry.register(definition('echo', '1', anonymous))).toThrow(/by class Echo and by an anonymous class/);
  });

  it('takes the same definition again without complaint, but not the same class with other defaults', () => {
    const registry = new ActivityRegistry();
    const Echo = classNamed('Echo');
    registry.register(definition('echo', '1', Echo));
    registry.register(definition('echo', '1', Echo));
    expect(registry.size).toBe(1);
    expect(() => registry.register(definition('echo', '1', Echo, 'other-tl'))).toThrow(
      /activity type echo 1 is registered twice by class Echo with different defaults \(first taskList tl, .*; then taskList other-tl, .*\); keep one @activity/,
    );
  });

  it('keeps versions of one name apart, and clear() forgets them all', () => {
    const registry = new ActivityRegistry();
    registry.register(definition('echo', '1', classNamed('Echo1')));
    registry.register(definition('echo', '2', classNamed('Echo2')));
    expect(registry.size).toBe(2);
    registry.clear();
    expect(registry.size).toBe(0);
    expect(registry.list()).toEqual([]);
  });
});
