import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { installSignalHandlers, type SignalHost } from '../../src/boilerplate/signals.js';
import { Worker } from '../../src/worker/index.js';
import { FakeSwf, lookup, until } from './worker-fake-swf.js';

function host(isTTY: boolean) {
  const emitter = new EventEmitter();
  const written: string[] = [];
  const h: SignalHost & { emit: (s: NodeJS.Signals) => void } = {
    on: (s, l) => emitter.on(s, l),
    off: (s, l) => emitter.off(s, l),
    stderr: { isTTY, write: (t: string) => written.push(t) },
    exit: () => {},
    emit: (s) => void emitter.emit(s, s),
  };
  return { h, written, emitter };
}

describe('signal handlers of startActivityWorker', () => {
  it.each([true, false])('on a terminal (%s) says at once what the stop waits for and that a second Ctrl-C stops now', async (isTTY) => {
    const fake = new FakeSwf();
    const worker = new Worker({ client: fake.client, domain: 'd', taskList: 't', registry: lookup(), maxConcurrentPolls: 3, shutdownGraceMs: 25_000 });
    const done = worker.run();
    await until(() => fake.openPolls === 3);
    const { h, written, emitter } = host(isTTY);
    const handlers = installSignalHandlers(worker, pino({ level: 'silent' }), worker.shutdownGraceMs, h);
    h.emit('SIGINT');
    expect(written).toEqual(
      isTTY ? ['Stopping (SIGINT): waiting up to 25 s for 0 running tasks and 3 open polls (a task a poll brings is run). Press Ctrl-C again to stop now.\n'] : [],
    );
    h.emit('SIGINT');
    await done;
    expect(handlers.forcedBy()).toBe('SIGINT');
    expect(worker.state).toBe('STOPPED');
    handlers.remove();
    expect(emitter.listenerCount('SIGINT') + emitter.listenerCount('SIGTERM')).toBe(0);
  });
});
