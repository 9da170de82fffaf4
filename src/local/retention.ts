/**
 * Forgetting what SWF forgets: a closed run is kept for its domain's retention period (on the endpoint's
 * clock) and then dropped; an optional cap on closed runs drops the oldest first. @internal
 */
import type { Domain, Engine, Execution } from './state.js';

const DAY_MS = 24 * 3600 * 1000;

/** How long a domain keeps its closed runs: `NONE` and `0` keep them not at all. */
export function retentionMs(domain: Domain): number {
  const days = domain.retentionDays === 'NONE' ? 0 : Number(domain.retentionDays);
  return Number.isFinite(days) && days > 0 ? days * DAY_MS : 0;
}

/** Forgets a closed run: out of its domain's lists, its history released. */
function drop(engine: Engine, execution: Execution): void {
  if (execution.dropped) return;
  execution.dropped = true;
  engine.closedCount--;
  const domain = execution.domain;
  if (domain.executions.get(execution.runId) === execution) domain.executions.delete(execution.runId);
  // Other runs may still point at this one (a child's parent link): let its history go all the same.
  execution.history = [];
  execution.children.clear();
}

/** Keeps a run that just closed, for its domain's retention period and within the cap on closed runs. */
export function retainClosed(engine: Engine, execution: Execution): void {
  engine.closedCount++;
  const keepMs = retentionMs(execution.domain);
  if (keepMs === 0) return drop(engine, execution);
  execution.domain.closed.push(execution);
  armSweep(engine, (execution.closeMs ?? engine.now()) + keepMs);
  const cap = engine.settings.maxClosedExecutions;
  if (cap === undefined) return;
  engine.closedOrder.push(execution);
  while (engine.closedCount > cap) {
    const oldest = engine.closedOrder.shift();
    if (oldest === undefined) break;
    drop(engine, oldest);
  }
  // Runs dropped by retention stay in the cap's queue until reached: compact when they are most of it.
  if (engine.closedOrder.length > 1024 && engine.closedOrder.length > 2 * engine.closedCount) engine.closedOrder.retain((e) => !e.dropped);
}

/** Makes sure the sweep runs by `at`. */
function armSweep(engine: Engine, at: number): void {
  const armed = engine.retentionTimer;
  if (armed !== undefined && armed.at <= at) return;
  if (armed !== undefined) engine.clearTimer(armed.handle);
  const handle = engine.setTimer(Math.max(0, at - engine.now()), () => sweep(engine));
  engine.retentionTimer = { handle, at };
}

/** Drops every closed run whose retention ended, then arms the sweep for the next to end. */
export function sweep(engine: Engine): void {
  delete engine.retentionTimer;
  const now = engine.now();
  let next = Infinity;
  for (const domain of engine.domains.values()) {
    const keepMs = retentionMs(domain);
    for (;;) {
      const oldest = domain.closed.peek();
      if (oldest === undefined) break;
      const expires = (oldest.closeMs ?? 0) + keepMs;
      if (!oldest.dropped && expires > now) {
        next = Math.min(next, expires);
        break;
      }
      domain.closed.shift();
      drop(engine, oldest);
    }
  }
  if (next !== Infinity) armSweep(engine, next);
}
