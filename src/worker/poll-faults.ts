import type { Clock } from '../swf/clock.js';
import { FlowySwfError } from '../swf/errors.js';
import type { WorkerLogger } from './options.js';

/** How often, at most, a streak of failing polls is logged again while it lasts. */
export const POLL_FAULT_LOG_INTERVAL_MS = 60_000;

/** What went wrong with one poll, as the worker logs it. */
export interface PollFault {
  /** `transient` (network, 5xx, throttling, an unreadable or oversize answer), `refused` (not retried for ever), `early-empty`. */
  readonly kind: 'transient' | 'refused' | 'early-empty';
  /** One line, no stack: `SyntaxError: Unexpected token '<'…`, `ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1`. */
  readonly summary: string;
  /** The hint for the first line of a streak. */
  readonly hint: string;
}

/** `Name: message` (or `CODE: message`) of an error, first line only, at most 300 characters. */
export function describeBriefly(error: unknown): string {
  if (!(error instanceof Error)) return String(error).slice(0, 300);
  const code = (error as { code?: unknown }).code;
  const what = error.name && error.name !== 'Error' ? error.name : typeof code === 'string' ? code : 'Error';
  const first = (error.message || '(no message)').split('\n')[0] ?? '';
  const line = first.startsWith(`${what}:`) ? first : `${what}: ${first}`;
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

/**
 * @internal Logs the failures of one poll loop once per streak: the first failure in full (one line, no
 * stack), then a count at most once per {@link POLL_FAULT_LOG_INTERVAL_MS}, and one line when polling
 * works again. A streak is every failure between two good polls.
 */
export class PollFaultLog {
  #count = 0;
  #since = 0;
  #lastLogAt = 0;
  #last: PollFault | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly log: WorkerLogger,
  ) {}

  /** Failures in the current streak. */
  get streak(): number {
    return this.#count;
  }

  failed(fault: PollFault, delayMs: number): void {
    const now = this.clock.now();
    this.#count++;
    const first = this.#count === 1;
    // A new kind of failure is worth a line; the same one again (an early empty differs only by its ms) is counted.
    const changed =
      this.#last !== undefined && (this.#last.kind !== fault.kind || (fault.kind !== 'early-empty' && this.#last.summary !== fault.summary));
    this.#last = fault;
    if (first) this.#since = now;
    if (first || changed) {
      this.#lastLogAt = now;
      const level = fault.kind === 'refused' ? 'error' : 'warn';
      this.log[level](
        { fault: fault.kind, error: fault.summary, delayMs, failures: this.#count },
        `PollForActivityTask: ${fault.summary}; ${fault.hint}; polling again in ${delayMs} ms (further failures are counted, not logged one by one)`,
      );
      return;
    }
    if (now - this.#lastLogAt >= POLL_FAULT_LOG_INTERVAL_MS) {
      this.#lastLogAt = now;
      const seconds = Math.round((now - this.#since) / 1000);
      this.log.warn(
        { fault: fault.kind, error: fault.summary, failures: this.#count, seconds },
        `PollForActivityTask still failing: ${this.#count} failures in ${seconds} s (last: ${fault.summary})`,
      );
    }
  }

  /** A poll went through: ends the streak, saying so when there was one. */
  succeeded(): void {
    if (this.#count === 0) return;
    const seconds = Math.round((this.clock.now() - this.#since) / 1000);
    this.log.info({ failures: this.#count, seconds }, `PollForActivityTask works again after ${this.#count} failures in ${seconds} s`);
    this.#count = 0;
    this.#last = undefined;
  }
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ETIMEDOUT']);

/** @internal Classifies a failed poll for the log: one line and what to check. */
export function pollFault(error: unknown, transient: boolean): PollFault {
  const summary = describeBriefly(error);
  const e = error as { name?: unknown; code?: unknown; $metadata?: { httpStatusCode?: number } } | null;
  const status = e?.$metadata?.httpStatusCode;
  if (!transient) {
    return { kind: 'refused', summary, hint: 'check the domain, task list and credentials (the worker gives up after maxPollFaults such answers in a row)' };
  }
  if (e?.name === 'ResponseTooLargeError') {
    return { kind: 'transient', summary, hint: 'no SWF answer is that large: check that the endpoint is SWF' };
  }
  if (e?.name === 'SyntaxError' || (error as { answerIsNotJson?: boolean } | null)?.answerIsNotJson === true) {
    return {
      kind: 'transient',
      summary: `${status !== undefined ? `HTTP ${status} with ` : ''}an answer that is not SWF's JSON (${summary})`,
      hint: 'check that the endpoint (--endpoint, AWS_ENDPOINT_URL_SWF) is SWF',
    };
  }
  if (typeof e?.code === 'string' && UNREACHABLE.has(e.code)) {
    return { kind: 'transient', summary, hint: 'cannot reach the endpoint: check --endpoint, AWS_ENDPOINT_URL_SWF, --region and the network' };
  }
  return { kind: 'transient', summary, hint: 'a transient fault (network, throttling, 5xx)' };
}

/** @internal The error `run()` rejects with when `maxPollFaults` non-transient faults came in a row. */
export function pollingFailure(error: unknown, faults: number, domain: string): FlowySwfError {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new FlowySwfError(
    `PollForActivityTask failed ${faults} times in a row with non-transient errors (last: ${message}); check that domain ${JSON.stringify(domain)} exists and the credentials may poll it`,
    { cause: error },
  );
}
