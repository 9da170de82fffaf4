import type { Logger } from 'pino';
import type { Worker } from '../worker/index.js';

/** How long a stop that left tasks running gives the process to write its last lines before it exits. */
export const FORCED_EXIT_DELAY_MS = 100;

/** @internal What {@link installSignalHandlers} touches, replaced in tests. */
export interface SignalHost {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  /** Where the terminal notice goes; written only when `isTTY`. */
  stderr: { isTTY?: boolean; write(text: string): unknown };
  exit(code: number): void;
}

/** @internal What the signal handlers saw. */
export interface SignalHandlers {
  remove(): void;
  /** The signal that forced the stop (the second one), if any. */
  forcedBy(): NodeJS.Signals | undefined;
  /** How many SIGINT/SIGTERM were received. */
  received(): number;
  /**
   * Call once `run()` has settled: when tasks are still running (a forced stop, or tasks that ignored
   * their aborted signal), they may hold the event loop, so the process is ended shortly after with `code`.
   */
  exitIfTasksHold(code: number): void;
}

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}

/**
 * @internal First SIGINT/SIGTERM: graceful shutdown, said at once on a terminal whatever the log level.
 * Second: stop at once.
 */
export function installSignalHandlers(
  worker: Worker,
  logger: Logger,
  graceMs: number,
  host: SignalHost = process as unknown as SignalHost,
): SignalHandlers {
  let received = 0;
  let forcedBy: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    received++;
    if (received === 1) {
      const stats = worker.stopStats();
      logger.info({ signal, ...stats }, 'shutting down: no new polls; running tasks get the grace period (send again to stop at once)');
      if (host.stderr.isTTY) {
        host.stderr.write(
          `Stopping (${signal}): waiting up to ${Math.round(graceMs / 100) / 10} s for ${plural(stats.runningTasks, 'running task')} ` +
            `and ${plural(stats.openPolls, 'open poll')} (a task a poll brings is run). Press Ctrl-C again to stop now.\n`,
        );
      }
      void worker.shutdown();
      return;
    }
    forcedBy ??= signal;
    logger.warn({ signal, runningTasks: worker.runningTasks }, 'second signal: stopping at once');
    void worker.shutdown({ force: true });
  };
  host.on('SIGINT', onSignal);
  host.on('SIGTERM', onSignal);
  return {
    remove: () => {
      host.off('SIGINT', onSignal);
      host.off('SIGTERM', onSignal);
    },
    forcedBy: () => forcedBy,
    received: () => received,
    exitIfTasksHold: (code) => {
      if (worker.runningTasks === 0) return;
      // Unref'd: when nothing holds the event loop, the process ends on its own first.
      setTimeout(() => host.exit(code), FORCED_EXIT_DELAY_MS).unref();
    },
  };
}
