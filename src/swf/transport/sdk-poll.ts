import { PollForActivityTaskCommand, type ActivityTask, type PollForActivityTaskInput, type SWFClient } from '@aws-sdk/client-swf';

type Handle = (request: unknown, options?: Record<string, unknown>) => Promise<unknown>;
type LiveConfig = { requestHandler: { handle: Handle }; cacheMiddleware?: boolean };

/**
 * The polls of `client`, each sent without send options through a view of the client made for its abort
 * signal: an object whose prototype is the client (same `send`, same middleware stack) with a copy of the
 * client's config in which the request handler hands the client's request handler that signal.
 * - The SDK uses its cached handler (`cacheMiddleware`) only for a `send` without options, and a `send`
 *   with options deletes the client's cache (`@smithy/core`'s `Client.send`). Through the view a poll
 *   uses the view's own cached handler and leaves the client's cached respond and heartbeat handlers be.
 * - An abandoned poll's request is still aborted in the request handler, so its connection closes and no
 *   task SWF hands out afterwards goes to a request nobody reads. The signal also ends the promise at
 *   once, whatever the request handler or a retry delay does.
 * One view per signal (the worker gives each poll loop its own), kept while the signal lives: its first
 * poll builds the middleware stack, later ones reuse it. A poll without a signal goes through the client.
 */
export function sdkPoller(client: SWFClient): (input: PollForActivityTaskInput, signal: AbortSignal | undefined) => Promise<ActivityTask> {
  const views = new WeakMap<AbortSignal, SWFClient>();
  return (input, signal) => {
    if (!signal) return client.send(new PollForActivityTaskCommand(input));
    let view = views.get(signal);
    if (!view) {
      view = pollView(client, signal);
      views.set(signal, view);
    }
    return abandonable(view.send(new PollForActivityTaskCommand(input)), signal);
  };
}

/**
 * A view of `client` whose requests carry `signal`. Its config is a copy (the SDK's middleware spreads
 * its config, so a prototype link would lose keys), except `cacheMiddleware` and the request handler,
 * read from the client's config on every call.
 */
function pollView(client: SWFClient, signal: AbortSignal): SWFClient {
  const live = client.config as unknown as LiveConfig;
  const requestHandler = Object.create(live.requestHandler) as LiveConfig['requestHandler'];
  requestHandler.handle = (request, options) => live.requestHandler.handle(request, { ...options, abortSignal: signal });
  const config = { ...live, requestHandler };
  Object.defineProperty(config, 'cacheMiddleware', { enumerable: true, get: () => live.cacheMiddleware });
  const view = Object.create(client) as SWFClient;
  // Its own config and its own cache of handlers: through the prototype, the view would otherwise use
  // the client's cache once the client has one, so every view would share the first view's poll handler
  // (and its signal), and so would the client's own polls.
  Object.assign(view, { config, handlers: undefined });
  return view;
}

/** `promise`, or a rejection with the signal's reason as soon as `signal` aborts. */
function abandonable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
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
