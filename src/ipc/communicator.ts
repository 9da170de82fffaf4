/**
 * Communicators (ADR-5): the same `write` / `read` of messages at both ends of a process boundary,
 * whatever carries the bytes. Internal: task authors never touch them.
 */
import type { Readable, Writable } from 'node:stream';
import { DEFAULT_MAX_MESSAGE_BYTES, encodeFrame, FrameDecoder } from './framing.js';
import { asMessage, type Message } from './messages.js';
import { FlowySwfError } from '../swf/errors.js';

/** Frames written together up to this many bytes in all are joined and sent in one write. */
const COALESCE_BYTES = 64 * 1024;

/** The communicators there are, by name: `pipe` (a pair of extra file descriptors) or `socket` (a Unix socket). */
export type CommunicatorName = 'pipe' | 'socket';

/** The names {@link CommunicatorName} takes, for checks and CLI choices. */
export const COMMUNICATOR_NAMES: readonly CommunicatorName[] = ['pipe', 'socket'];

/** The other side is gone, or this side closed the communicator. */
export class CommunicatorClosedError extends FlowySwfError {
  override name = 'CommunicatorClosedError';
}

/** One end of a message channel to another process. */
export interface Communicator {
  /** What carries the bytes. */
  readonly name: CommunicatorName;
  /**
   * Sends one message. Never blocks: bytes the OS does not take at once are queued. Throws
   * `FrameError` for a message with no JSON form or over `maxMessageBytes`, `CommunicatorClosedError` once closed.
   */
  write(message: Message): void;
  /** The next message, or `undefined` once the other side closed (or this side did). */
  read(): Promise<Message | undefined>;
  /** Ends the channel; idempotent. */
  close(): Promise<void>;
  /** Resolves when the channel is closed: `undefined` for a clean end, the error otherwise. */
  readonly closed: Promise<Error | undefined>;
}

/** @internal A communicator over a readable and a writable byte stream (both ends of a pipe pair, or one socket twice). */
export class StreamCommunicator implements Communicator {
  readonly #decoder: FrameDecoder;
  readonly #queue: Message[] = [];
  readonly #waiting: Array<(m: Message | undefined) => void> = [];
  #ended = false;
  /** Frames written in this burst of work, sent together once its promise jobs have run. */
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #closing: Promise<void> | undefined;
  #resolveClosed!: (error: Error | undefined) => void;
  readonly closed: Promise<Error | undefined>;

  constructor(
    readonly name: CommunicatorName,
    private readonly readable: Readable,
    private readonly writable: Writable,
    private readonly maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES,
    /**
     * `'together'`: messages written in one burst of work (until its promise jobs have run) leave together.
     * For the side that answers calls (the child), whose ack and return of a quick call then cost one
     * write and one wake-up of the other process.
     * `'now'`: each message leaves at once. For the side that mostly makes one call at a time to each
     * peer (the worker), where holding a message back would gain nothing.
     */
    private readonly writes: 'together' | 'now' = 'together',
  ) {
    this.#decoder = new FrameDecoder(maxMessageBytes);
    this.closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    readable.on('data', (chunk: Buffer) => this.#onData(chunk));
    readable.once('end', () => this.#end(undefined));
    readable.once('close', () => this.#end(undefined));
    readable.once('error', (error) => this.#end(error));
    // A write to a peer that is gone is not this side's crash: the read side reports the end.
    writable.on('error', (error) => this.#end(error));
  }

  write(message: Message): void {
    if (this.#ended) throw new CommunicatorClosedError(`the ${this.name} communicator is closed; the other process is gone or was stopped`);
    const buffers = encodeFrame(message, this.maxMessageBytes);
    if (this.writes === 'now') {
      if (buffers.length === 1) {
        this.writable.write(buffers[0]!);
      } else {
        this.writable.cork();
        for (const buffer of buffers) this.writable.write(buffer);
        this.writable.uncork();
      }
      return;
    }
    // Messages written in one burst of work leave together once its promise jobs have run (a quick
    // call's ack and return, say): one system call and one wake-up of the other process instead of
    // several. A tick queued from a promise job runs only when no promise job is left, and before the
    // event loop goes on: no extra pass of the loop.
    if (this.#pending.length === 0) process.nextTick(this.#flush);
    for (const buffer of buffers) {
      this.#pending.push(buffer);
      this.#pendingBytes += buffer.length;
    }
  }

  /** Sends what this burst wrote: small frames joined into one buffer (one `write`), large ones as they are (one `writev`, no copy). */
  readonly #flush = (): void => {
    const pending = this.#pending;
    const bytes = this.#pendingBytes;
    this.#pending = [];
    this.#pendingBytes = 0;
    if (pending.length === 0 || this.#ended || this.writable.destroyed || this.writable.writableEnded) return;
    if (pending.length === 1 || bytes <= COALESCE_BYTES) {
      this.writable.write(pending.length === 1 ? pending[0]! : Buffer.concat(pending, bytes));
      return;
    }
    this.writable.cork();
    for (const buffer of pending) this.writable.write(buffer);
    this.writable.uncork();
  };

  read(): Promise<Message | undefined> {
    const next = this.#queue.shift();
    if (next !== undefined) return Promise.resolve(next);
    if (this.#ended) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      this.#flush();
      this.writable.end(() => resolve());
      setTimeout(resolve, 1_000).unref();
    }).then(() => {
      this.readable.destroy();
      this.#end(undefined);
    });
    return this.#closing;
  }

  #onData(chunk: Buffer): void {
    if (this.#ended) return;
    let messages: unknown[];
    try {
      messages = this.#decoder.push(chunk);
    } catch (error) {
      this.#end(error as Error);
      this.readable.destroy();
      return;
    }
    for (const raw of messages) {
      let message: Message;
      try {
        message = asMessage(raw);
      } catch (error) {
        this.#end(error as Error);
        this.readable.destroy();
        return;
      }
      const waiter = this.#waiting.shift();
      if (waiter) waiter(message);
      else this.#queue.push(message);
    }
  }

  #end(error: Error | undefined): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const waiter of this.#waiting.splice(0)) waiter(undefined);
    this.#resolveClosed(error);
    if (!this.writable.destroyed) this.writable.destroy();
  }
}
