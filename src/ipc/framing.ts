/**
 * Length-prefixed framing: every message is a 4-byte big-endian unsigned length, then that many bytes
 * of UTF-8 JSON. See docs/protocol.md.
 */
import { FlowySwfError } from '../swf/errors.js';

/** Bytes of the length prefix. */
export const FRAME_HEADER_BYTES = 4;

/** The largest body a frame may carry by default: 256 MiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

/** A message is larger than a communicator takes, or a frame is malformed. */
export class FrameError extends FlowySwfError {
  override name = 'FrameError';
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1)} MiB` : `${n} bytes`;
}

/** Messages up to this size are framed in one buffer (one write); larger ones as header and body (no copy). */
const SINGLE_BUFFER_BYTES = 64 * 1024;

/** Encodes one message as a frame: one buffer for a small message, else header and body (no copy of the body). */
export function encodeFrame(message: unknown, maxBytes = DEFAULT_MAX_MESSAGE_BYTES): Buffer[] {
  let text: string | undefined;
  try {
    text = JSON.stringify(message);
  } catch (error) {
    throw new FrameError(`message has no JSON form (${(error as Error).message}); send plain data`, { cause: error });
  }
  if (text === undefined) throw new FrameError('message has no JSON form (undefined or a function); send plain data');
  const tooLarge = (bytes: number): FrameError =>
    new FrameError(
      `message is ${formatBytes(bytes)}; this communicator takes at most ${formatBytes(maxBytes)} (maxMessageBytes): send less, or pass it by file`,
    );
  if (text.length <= SINGLE_BUFFER_BYTES / 3) {
    // At most 3 UTF-8 bytes per UTF-16 unit: it fits; write the body right after the header.
    const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + text.length * 3);
    const written = frame.write(text, FRAME_HEADER_BYTES, 'utf8');
    if (written > maxBytes) throw tooLarge(written);
    frame.writeUInt32BE(written, 0);
    return [frame.subarray(0, FRAME_HEADER_BYTES + written)];
  }
  const body = Buffer.from(text, 'utf8');
  if (body.length > maxBytes) throw tooLarge(body.length);
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt32BE(body.length, 0);
  return [header, body];
}

/**
 * Turns a byte stream into messages. Chunks are kept as they come and joined once a whole frame is
 * there, so a 50 MB message costs one copy, not one per chunk.
 */
export class FrameDecoder {
  #chunks: Buffer[] = [];
  #buffered = 0;
  #need = -1;

  constructor(private readonly maxBytes = DEFAULT_MAX_MESSAGE_BYTES) {}

  /** Feeds bytes; returns the messages completed by them. Throws `FrameError` on a bad frame. */
  push(chunk: Buffer): unknown[] {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    const out: unknown[] = [];
    for (;;) {
      if (this.#need < 0) {
        if (this.#buffered < FRAME_HEADER_BYTES) return out;
        const header = this.#take(FRAME_HEADER_BYTES);
        this.#need = header.readUInt32BE(0);
        if (this.#need > this.maxBytes) {
          throw new FrameError(`incoming message announces ${formatBytes(this.#need)}; at most ${formatBytes(this.maxBytes)} is taken (maxMessageBytes)`);
        }
      }
      if (this.#buffered < this.#need) return out;
      const body = this.#take(this.#need);
      this.#need = -1;
      try {
        out.push(JSON.parse(body.toString('utf8')));
      } catch (error) {
        throw new FrameError(`incoming frame of ${formatBytes(body.length)} is not JSON: ${(error as Error).message}`, { cause: error });
      }
    }
  }

  /** Bytes received and not yet part of a whole message. */
  get pendingBytes(): number {
    return this.#buffered;
  }

  #take(n: number): Buffer {
    const first = this.#chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let at = 0;
      while (at < n) {
        const c = this.#chunks[0]!;
        const part = Math.min(c.length, n - at);
        c.copy(out, at, 0, part);
        at += part;
        if (part === c.length) this.#chunks.shift();
        else this.#chunks[0] = c.subarray(part);
      }
    }
    this.#buffered -= n;
    return out;
  }
}
