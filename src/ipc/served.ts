import type { CallContext } from './peer.js';

/**
 * A call this side serves, and the context its handler is given. The signal's controller is made only
 * when the handler looks at it: most calls end before anyone does.
 * @internal
 */
export class Served implements CallContext {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;
  /** Yields the caller still takes. */
  credit: number;
  /** Wakes a stream waiting for credit or an abort. */
  wake: (() => void) | undefined;

  constructor(
    readonly callerId: string,
    readonly callId: number,
    credit: number,
  ) {
    this.credit = credit;
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  /** Aborts the call's signal (the first reason wins) and wakes its stream. */
  abort(reason: unknown): void {
    if (!this.#aborted) {
      this.#aborted = true;
      this.#reason = reason;
      this.#controller?.abort(reason);
    }
    this.wake?.();
  }
}
