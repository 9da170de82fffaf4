import { FlowySwfError } from '../swf/errors.js';

/**
 * The life cycle of a {@link Worker}:
 *
 * ```
 * INITIALIZED --run()--> RUNNING --shutdown() / loop bound reached / poll faults--> DRAINING --> STOPPED | FAILED
 * INITIALIZED --shutdown()--> STOPPED
 * ```
 *
 * - `INITIALIZED`: built, `run()` not called yet.
 * - `RUNNING`: polling and running tasks.
 * - `DRAINING`: no new polls start; polls already open and running tasks are finished and reported.
 * - `STOPPED`: everything reported (or a forced stop); `run()` has resolved.
 * - `FAILED`: polling failed for good (see `maxPollFaults`); running tasks were reported; `run()` has rejected.
 */
export type WorkerState = 'INITIALIZED' | 'RUNNING' | 'DRAINING' | 'STOPPED' | 'FAILED';

const LEGAL: Readonly<Record<WorkerState, readonly WorkerState[]>> = {
  INITIALIZED: ['RUNNING', 'STOPPED'],
  RUNNING: ['DRAINING', 'FAILED'],
  DRAINING: ['STOPPED', 'FAILED'],
  STOPPED: [],
  FAILED: [],
};

/** A worker was asked to do something its state does not allow, like `run()` twice. */
export class WorkerStateError extends FlowySwfError {
  override name = 'WorkerStateError';
}

/** True when a worker may go from `from` to `to`. */
export function canTransition(from: WorkerState, to: WorkerState): boolean {
  return LEGAL[from].includes(to);
}

/** @internal Throws {@link WorkerStateError} unless `from` → `to` is legal. */
export function assertTransition(from: WorkerState, to: WorkerState): void {
  if (!canTransition(from, to)) {
    const legal = LEGAL[from];
    throw new WorkerStateError(
      `worker cannot go from ${from} to ${to}; from ${from} it can go to ${legal.length > 0 ? legal.join(' or ') : 'nothing (final state)'}`,
    );
  }
}
