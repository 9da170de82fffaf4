/** Builds the engine of a local endpoint with the rules enforced between calls wired in. @internal */
import type { LocalClock } from './clock.js';
import { terminate } from './executions.js';
import { Engine, type EngineSettings } from './state.js';

/** SWF's cap on the events of one run's history. */
export const MAX_HISTORY_EVENTS = 25_000;

/**
 * Terminates every run that reached the history limit, as SWF does: WorkflowExecutionTerminated with cause
 * EVENT_LIMIT_EXCEEDED, its child policy applied.
 */
export function enforceEventLimit(engine: Engine): void {
  const reached = engine.eventLimit.reached;
  if (reached.size === 0) return;
  for (const execution of [...reached]) {
    reached.delete(execution);
    terminate(engine, execution, { cause: 'EVENT_LIMIT_EXCEEDED' });
  }
}

/** A new engine on `clock`; after every call and timer it enforces the history limit. */
export function createEngine(clock: LocalClock, settings: EngineSettings): Engine {
  const engine = new Engine(clock, settings);
  engine.settle = () => enforceEventLimit(engine);
  return engine;
}
