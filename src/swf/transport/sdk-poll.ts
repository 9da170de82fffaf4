import { AsyncLocalStorage } from 'node:async_hooks';
import { PollForActivityTaskCommand, type ActivityTask, type PollForActivityTaskInput, type SWFClient } from '@aws-sdk/client-swf';

/** The abort signal of the poll being sent, read by the poll view's request handler. */
const pollSignal = new AsyncLocalStorage<AbortSignal>();

type Handle = (request: unknown, options?: Record<string, unknown>) => Promise<unknown>;
type RequestHandlerLike = { handle: Handle };

/**
 * The polls of `client`, sent through a view of it: an object whose prototype is the client (so `send`,
 * the middleware stack and the rest are the client's own) with a config of its own, a copy of the
 * client's that differs only in its request handler. That handler hands the client's request handler the
 * abort signal of the poll being sent, so a poll needs no send options:
 * - the SDK then uses a cached handler (`cacheMiddleware`), the view's own: a poll neither rebuilds the
 *   middleware stack nor wipes the client's cached respond and heartbeat handlers, as a `send` with
 *   options does (`@smithy/core`'s `Client.send` deletes `this.handlers` then);
 * - an abandoned poll's request is still aborted by the request handler, so its connection closes and
 *   no task SWF hands out afterwards goes to a request nobody reads.
 * The abandon signal also ends the promise at once, whatever the request handler or a retry delay does.
 * The view's config is a copy taken now (the SDK's middleware spreads its config, own keys only), except
 * `cacheMiddleware` and the request handler, read from the client's config on every call.
 */
export function sdkPoller(client: SWFClient): (input: PollForActivityTaskInput, signal: AbortSignal | undefined) => Promise<ActivityTask> {
  const live = client.config as unknown as { requestHandler: RequestHandlerLike };
  const requestHandler = Object.create(live.requestHandler as object) as RequestHandlerLike;
  requestHandler.handle = (request, options) => {
    const signal = pollSignal.getStore();
    return live.requestHandler.handle(request, signal ? { ...options, abortSignal: signal } : options);
  };
  const config = { ...(client.config as object), requestHandler };
  Object.defineProperty(config, 'cacheMiddleware', { enumerable: true, get: () => (live as { cacheMiddleware?: boolean }).cacheMiddleware });
  const view = Object.create(client) as SWFClient & { config: object };
  (view as { config: object }).config = config;
  return (input, signal) => {
    if (!signal) return view.send(new PollForActivityTaskCommand(input));
    return abandonable(
      pollSignal.run(signal, () => view.send(new PollForActivityTaskCommand(input))),
      signal,
    );
  };
}

/** `promise`, or a rejection with the signal's reason as soon as `signal` aborts. */
export function abandonable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) {
    promise.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      promise.catch(() => {});
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
