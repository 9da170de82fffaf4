import { systemClock, type Clock } from '../swf/clock.js';

const CANCELLED = new Error('timer cancelled');

/**
 * Calls `fire` after `ms` on `clock`; returns what cancels it. With the system clock it is a native
 * timer: an AbortController per message (and the DOMException an abort without a reason makes) would
 * cost more than the rest of a delivery.
 * @internal
 */
export function startTimer(clock: Clock, ms: number, fire: () => void): () => void {
  if (clock === systemClock) {
    const handle = setTimeout(fire, ms);
    return () => clearTimeout(handle);
  }
  const stop = new AbortController();
  clock.sleep(ms, stop.signal).then(fire, () => {});
  return () => stop.abort(CANCELLED);
}
