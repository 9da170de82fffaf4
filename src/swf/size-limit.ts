import { NodeHttpHandler } from '@smithy/node-http-handler';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { FlowySwfError } from './errors.js';
import { formatCount } from './limits.js';

/**
 * The largest answer body the SWF client reads: 1 MiB. SWF's largest answer to an activity worker, a poll
 * with 32,768 characters of input and a 1,024-character token, is well under 200 KB even with every
 * character escaped; anything near 1 MiB comes from something that is not SWF.
 */
export const MAX_RESPONSE_BYTES = 1_048_576;

/** An endpoint answered with more than {@link MAX_RESPONSE_BYTES}; treated as transient (retried with backoff). */
export class ResponseTooLargeError extends FlowySwfError {
  override name = 'ResponseTooLargeError';
}

/** @internal The error of an answer of `bytes` (undefined: not declared, past the cap as it came) over `maxBytes`. */
export function tooLarge(bytes: number | undefined, maxBytes: number = MAX_RESPONSE_BYTES): ResponseTooLargeError {
  const size = bytes === undefined ? `more than ${formatCount(maxBytes)}` : formatCount(bytes);
  return new ResponseTooLargeError(
    `the endpoint answered with ${size} bytes; flowy-swf reads at most ${formatCount(maxBytes)} (SWF's answers are far smaller): check that the endpoint is SWF`,
  );
}

/** Counts the bytes that pass and fails the stream once they exceed `maxBytes`. */
class ByteCap extends Transform {
  #seen = 0;
  constructor(private readonly maxBytes: number) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#seen += chunk.length;
    if (this.#seen > this.maxBytes) callback(tooLarge(undefined, this.maxBytes));
    else callback(null, chunk);
  }
}

/**
 * @internal The Node HTTP handler with a cap on answer bodies: a `content-length` over the cap is refused
 * before the body is read, and a body without one is cut off as soon as it passes the cap, so a wrong
 * endpoint cannot make the worker buffer megabytes per poll.
 */
export class SizeLimitedHttpHandler extends NodeHttpHandler {
  constructor(
    options: ConstructorParameters<typeof NodeHttpHandler>[0],
    private readonly maxBytes: number = MAX_RESPONSE_BYTES,
  ) {
    super(options);
  }

  override async handle(...args: Parameters<NodeHttpHandler['handle']>): ReturnType<NodeHttpHandler['handle']> {
    const [request, options] = args;
    const answer = await super.handle(request, options);
    const { response } = answer;
    const body = response.body as Readable | undefined;
    const declared = Number(response.headers['content-length'] ?? response.headers['Content-Length']);
    if (Number.isFinite(declared) && declared > this.maxBytes) {
      body?.destroy();
      throw tooLarge(declared, this.maxBytes);
    }
    if (body && typeof body.pipe === 'function') {
      const capped = new ByteCap(this.maxBytes);
      body.on('error', (error) => capped.destroy(error));
      capped.on('error', () => body.destroy());
      response.body = body.pipe(capped);
    }
    return answer;
  }
}
