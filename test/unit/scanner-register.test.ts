import {
  DescribeActivityTypeCommand,
  RegisterActivityTypeCommand,
  SWFClient,
  TypeAlreadyExistsFault,
  TypeDeprecatedFault,
  UnknownResourceFault,
  type DescribeActivityTypeCommandOutput,
} from '@aws-sdk/client-swf';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { Activity } from '../../src/activity/index.js';
import { ConfigurationError, FlowySwfError } from '../../src/swf/errors.js';
import type { Clock } from '../../src/swf/clock.js';
import {
  ActivityRegistry,
  registerActivityTypes,
  RegistrationMismatchError,
  type ActivityDefinition,
} from '../../src/scanner/index.js';

const swf = mockClient(SWFClient);
const client = new SWFClient({ region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });

class Echo extends Activity {
  run(value: unknown): unknown {
    return value;
  }
}

function definition(name: string, version: string, overrides: Partial<ActivityDefinition['defaults']> = {}): ActivityDefinition {
  return {
    name,
    version,
    taskList: 'tl',
    defaults: {
      heartbeatTimeout: 'NONE',
      scheduleToCloseTimeout: '420',
      scheduleToStartTimeout: '120',
      startToCloseTimeout: '300',
      ...overrides,
    },
    activityClass: Echo,
  };
}

/** What DescribeActivityType answers for a type registered with `def`'s defaults, changed by `change`. */
function described(def: ActivityDefinition, change: Record<string, unknown> = {}): DescribeActivityTypeCommandOutput {
  return {
    $metadata: {},
    typeInfo: {
      activityType: { name: def.name, version: def.version },
      status: 'REGISTERED',
      creationDate: new Date(0),
    },
    configuration: {
      defaultTaskList: { name: def.taskList },
      defaultTaskHeartbeatTimeout: def.defaults.heartbeatTimeout,
      defaultTaskScheduleToCloseTimeout: def.defaults.scheduleToCloseTimeout,
      defaultTaskScheduleToStartTimeout: def.defaults.scheduleToStartTimeout,
      defaultTaskStartToCloseTimeout: def.defaults.startToCloseTimeout,
      ...change,
    },
  };
}

const alreadyExists = (): TypeAlreadyExistsFault => new TypeAlreadyExistsFault({ message: 'type exists', $metadata: {} });

/** A clock that only records how long it was asked to sleep. */
function fakeClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, now: () => 0, sleep: async (ms) => void sleeps.push(ms) };
}

const fixedBackoff = { delay: (attempt: number) => (attempt + 1) * 10 };

beforeEach(() => {
  swf.reset();
});

describe('registerActivityTypes', () => {
  it('registers a new type with its task list and four timeouts as strings', async () => {
    swf.on(RegisterActivityTypeCommand).resolves({});
    const echo = definition('echo', '1', { heartbeatTimeout: '30' });

    const report = await registerActivityTypes(client, 'dom', [echo]);

    expect(report).toEqual({ registered: [echo], alreadyRegistered: [] });
    expect(swf.commandCalls(RegisterActivityTypeCommand).map((c) => c.args[0].input)).toEqual([
      {
        domain: 'dom',
        name: 'echo',
        version: '1',
        defaultTaskList: { name: 'tl' },
        defaultTaskHeartbeatTimeout: '30',
        defaultTaskScheduleToCloseTimeout: '420',
        defaultTaskScheduleToStartTimeout: '120',
        defaultTaskStartToCloseTimeout: '300',
      },
    ]);
    expect(swf.commandCalls(DescribeActivityTypeCommand)).toHaveLength(0);
  });

  it('takes a type SWF has with the same defaults as already registered', async () => {
    const echo = definition('echo', '1');
    swf.on(RegisterActivityTypeCommand).rejects(alreadyExists());
    swf.on(DescribeActivityTypeCommand).resolves(described(echo));

    const report = await registerActivityTypes(client, 'dom', [echo]);

    expect(report).toEqual({ registered: [], alreadyRegistered: [echo] });
    expect(swf.commandCalls(DescribeActivityTypeCommand).map((c) => c.args[0].input)).toEqual([
      { domain: 'dom', activityType: { name: 'echo', version: '1' } },
    ]);
  });

  it('lists every default that differs, type by type, after trying every type, and says how to fix it', async () => {
    const echo = definition('echo', '1');
    const sum = definition('sum', '2', { heartbeatTimeout: '60' });
    const fresh = definition('zeta', '1');
    swf.on(RegisterActivityTypeCommand, { name: 'echo' }).rejects(alreadyExists());
    swf.on(RegisterActivityTypeCommand, { name: 'sum' }).rejects(alreadyExists());
    swf.on(RegisterActivityTypeCommand, { name: 'zeta' }).resolves({});
    swf.on(DescribeActivityTypeCommand, { activityType: { name: 'echo', version: '1' } }).resolves(
      described(echo, { defaultTaskStartToCloseTimeout: '600', defaultTaskList: { name: 'old-tl' } }),
    );
    swf.on(DescribeActivityTypeCommand, { activityType: { name: 'sum', version: '2' } }).resolves(
      described(sum, { defaultTaskHeartbeatTimeout: undefined }),
    );

    const error = await registerActivityTypes(client, 'dom', [fresh, sum, echo]).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RegistrationMismatchError);
    expect(error).toBeInstanceOf(ConfigurationError);
    const mismatch = error as RegistrationMismatchError;
    expect(mismatch.message).toMatch(/^Not all activities could be registered in domain dom:\n/);
    expect(mismatch.message).toContain('  echo 1: defaultTaskList is old-tl in SWF, tl here\n');
    expect(mismatch.message).toContain('  echo 1: defaultTaskStartToCloseTimeout is 600 in SWF, 300 here\n');
    expect(mismatch.message).toContain('  sum 2: defaultTaskHeartbeatTimeout is (not set) in SWF, 60 here\n');
    expect(mismatch.message).toMatch(/Bump the version in @activity\(\.\.\.\)/);
    expect(mismatch.message).toMatch(/deprecate the old type once no workflow schedules it/);
    expect(mismatch.mismatches).toEqual([
      { name: 'echo', version: '1', field: 'defaultTaskList', inSwf: 'old-tl', here: 'tl' },
      { name: 'echo', version: '1', field: 'defaultTaskStartToCloseTimeout', inSwf: '600', here: '300' },
      { name: 'sum', version: '2', field: 'defaultTaskHeartbeatTimeout', inSwf: undefined, here: '60' },
    ]);
    // Tried in name order, all of them, the fresh one registered despite the others.
    expect(swf.commandCalls(RegisterActivityTypeCommand).map((c) => c.args[0].input.name)).toEqual(['echo', 'sum', 'zeta']);
  });

  it('reports a deprecated type, whether Describe says so or SWF answers TypeDeprecatedFault', async () => {
    const old = definition('old', '1');
    const older = definition('older', '1');
    swf.on(RegisterActivityTypeCommand).rejects(alreadyExists());
    swf.on(DescribeActivityTypeCommand, { activityType: { name: 'old', version: '1' } }).resolves({
      ...described(old),
      typeInfo: { activityType: { name: 'old', version: '1' }, status: 'DEPRECATED', creationDate: new Date(0) },
    });
    swf
      .on(DescribeActivityTypeCommand, { activityType: { name: 'older', version: '1' } })
      .rejects(new TypeDeprecatedFault({ message: 'deprecated', $metadata: {} }));

    const error = (await registerActivityTypes(client, 'dom', [old, older]).catch((e: unknown) => e)) as RegistrationMismatchError;

    expect(error).toBeInstanceOf(RegistrationMismatchError);
    expect(error.deprecated).toEqual([
      { name: 'old', version: '1' },
      { name: 'older', version: '1' },
    ]);
    expect(error.message).toMatch(/^Not all activities could be registered/);
    expect(error.message).toContain('  old 1: deprecated in SWF, so no workflow can schedule it');
    expect(error.message).toMatch(/bump the version, or undeprecate the type \(UndeprecateActivityType\)/);
  });

  it('retries transient errors with the backoff and clock it is given', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    const echo = definition('echo', '1');
    swf
      .on(RegisterActivityTypeCommand)
      .rejectsOnce(throttled)
      .rejectsOnce(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
      .rejectsOnce(alreadyExists());
    swf
      .on(DescribeActivityTypeCommand)
      .rejectsOnce(Object.assign(new Error('unavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } }))
      .resolves(described(echo));
    const clock = fakeClock();
    const retried: number[] = [];

    const report = await registerActivityTypes(client, 'dom', [echo], {
      clock,
      backoff: fixedBackoff,
      onRetry: (_error, attempt) => retried.push(attempt),
    });

    expect(report.alreadyRegistered).toEqual([echo]);
    expect(clock.sleeps).toEqual([10, 20, 10]);
    expect(retried).toEqual([0, 1, 0]);
    expect(swf.commandCalls(RegisterActivityTypeCommand)).toHaveLength(3);
    expect(swf.commandCalls(DescribeActivityTypeCommand)).toHaveLength(2);
  });

  it('gives up on a transient error after maxAttempts, naming the call, the type and the domain', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    swf.on(RegisterActivityTypeCommand).rejects(throttled);
    const clock = fakeClock();

    const error = (await registerActivityTypes(client, 'dom', [definition('echo', '1')], {
      clock,
      backoff: fixedBackoff,
      maxAttempts: 3,
    }).catch((e: unknown) => e)) as FlowySwfError;

    expect(error).toBeInstanceOf(FlowySwfError);
    expect(error.message).toBe('RegisterActivityType echo 1 in domain dom failed: ThrottlingException: Rate exceeded');
    expect(error.cause).toBe(throttled);
    expect(swf.commandCalls(RegisterActivityTypeCommand)).toHaveLength(3);
    expect(clock.sleeps).toEqual([10, 20]);
  });

  it('retries 8 times in all by default', async () => {
    swf.on(RegisterActivityTypeCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(
      registerActivityTypes(client, 'dom', [definition('echo', '1')], { clock: fakeClock(), backoff: fixedBackoff }),
    ).rejects.toThrow(FlowySwfError);
    expect(swf.commandCalls(RegisterActivityTypeCommand)).toHaveLength(8);
  });

  it('does not retry an unknown domain, and says what is wrong', async () => {
    swf.on(RegisterActivityTypeCommand).rejects(new UnknownResourceFault({ message: 'Unknown domain: nope', $metadata: {} }));
    const clock = fakeClock();

    await expect(registerActivityTypes(client, 'nope', [definition('echo', '1')], { clock })).rejects.toThrow(
      /^RegisterActivityType echo 1 in domain nope failed: UnknownResourceFault: Unknown domain: nope; is domain nope registered/,
    );
    expect(swf.commandCalls(RegisterActivityTypeCommand)).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  it('takes a registry and registers its types in name and version order', async () => {
    swf.on(RegisterActivityTypeCommand).resolves({});
    const registry = new ActivityRegistry();
    registry.register(definition('b', '1'));
    registry.register(definition('a', '10'));
    registry.register(definition('a', '9'));

    const report = await registerActivityTypes(client, 'dom', registry);

    expect(report.registered.map((d) => `${d.name} ${d.version}`)).toEqual(['a 9', 'a 10', 'b 1']);
  });

  it('rejects a domain SWF would refuse before calling it', async () => {
    await expect(registerActivityTypes(client, 'a:b', [definition('echo', '1')])).rejects.toThrow(ConfigurationError);
    await expect(registerActivityTypes(client, '', [definition('echo', '1')])).rejects.toThrow(/domain is empty/);
    expect(swf.calls()).toHaveLength(0);
  });
});
