import { Command } from 'commander';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Activity, activity, startActivityWorker } from '../../src/index.js';
import { addWorkerOptions, workerOptions, type WorkerFlags } from '../../src/cli/worker-command.js';
import { parseMessagingUrl } from '../../src/cli/parsers.js';

describe('--messaging', () => {
  it('takes a redis:// or rediss:// URL and passes it as { redis }', () => {
    const command = addWorkerOptions(new Command()).exitOverride();
    command.parse(['--domain', 'd', '--task-list', 't', '--messaging', 'redis://127.0.0.1:6390/2'], { from: 'user' });
    expect(workerOptions(command.opts<WorkerFlags>()).messaging).toEqual({ redis: 'redis://127.0.0.1:6390/2' });
    expect(parseMessagingUrl('rediss://user:pw@cache.example.com:6380')).toBe('rediss://user:pw@cache.example.com:6380');
  });

  it('refuses anything else, with an example', () => {
    for (const bad of ['127.0.0.1:6379', 'http://127.0.0.1:6379', 'redis://']) {
      expect(() => parseMessagingUrl(bad)).toThrow(/redis:\/\/127\.0\.0\.1:6379/);
    }
  });
});

describe('startActivityWorker({ messaging: { redis } })', () => {
  it('fails with a ConfigurationError naming the server (password hidden) when Redis cannot be reached', async () => {
    class Noop extends Activity {
      run(): void {}
    }
    activity('messaging-cli-noop', 1, 't')(Noop);
    const error = await startActivityWorker({
      domain: 'd',
      taskList: 't',
      client: { send: () => Promise.reject(new Error('no SWF here')) } as never,
      registerRemote: false,
      handleSignals: false,
      logger: pino({ level: 'silent' }),
      messaging: { redis: 'redis://:hunter2@127.0.0.1:1', redisOptions: { retryStrategy: () => null } },
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ConfigurationError' });
    expect((error as Error).message).toContain('127.0.0.1:1');
    expect((error as Error).message).not.toContain('hunter2');
  });
});
