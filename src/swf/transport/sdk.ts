import {
  PollForActivityTaskCommand,
  RecordActivityTaskHeartbeatCommand,
  SWFClient,
  RespondActivityTaskCanceledCommand,
  RespondActivityTaskCompletedCommand,
  RespondActivityTaskFailedCommand,
} from '@aws-sdk/client-swf';
import { sdkPoller } from './sdk-poll.js';
import type { SwfTransport } from './types.js';

/** Anything with `SWFClient`'s `send`: an `SWFClient`, a mock, a wrapper of the user's. */
export type SwfSender = Pick<SWFClient, 'send'>;

const transports = new WeakMap<object, SwfTransport>();

/**
 * The SDK path: every call is a command sent through `client.send`, so the client's middleware, retry
 * strategy, logger and request handler all apply. One transport per client (cached). On an `SWFClient`
 * a poll's abort signal reaches the request handler without send options, so the SDK's handler cache
 * (`cacheMiddleware`) serves polls too and is not wiped by them (see `sdkPoller`); anything else with a
 * `send` gets the signal as the send option `abortSignal`.
 */
export function sdkTransport(client: SwfSender): SwfTransport {
  let transport = transports.get(client);
  if (!transport) {
    const poll = client instanceof SWFClient ? sdkPoller(client) : undefined;
    transport = {
      kind: 'sdk',
      pollForActivityTask: poll
        ? (input, options) => poll(input, options?.abortSignal)
        : (input, options) => client.send(new PollForActivityTaskCommand(input), options?.abortSignal ? { abortSignal: options.abortSignal } : {}),
      respondActivityTaskCompleted: async (input) => {
        await client.send(new RespondActivityTaskCompletedCommand(input));
      },
      respondActivityTaskFailed: async (input) => {
        await client.send(new RespondActivityTaskFailedCommand(input));
      },
      respondActivityTaskCanceled: async (input) => {
        await client.send(new RespondActivityTaskCanceledCommand(input));
      },
      recordActivityTaskHeartbeat: (input) => client.send(new RecordActivityTaskHeartbeatCommand(input)),
    };
    transports.set(client, transport);
  }
  return transport;
}

/** True for a {@link SwfTransport} (it has `kind` and the poll method), false for a client. */
export function isSwfTransport(value: unknown): value is SwfTransport {
  const v = value as Partial<SwfTransport> | null;
  return v !== null && typeof v === 'object' && (v.kind === 'sdk' || v.kind === 'lean') && typeof v.pollForActivityTask === 'function';
}

/** The transport for a client or a transport: a transport as is, a client through {@link sdkTransport}. */
export function toTransport(clientOrTransport: SwfSender | SwfTransport): SwfTransport {
  return isSwfTransport(clientOrTransport) ? clientOrTransport : sdkTransport(clientOrTransport as SwfSender);
}
