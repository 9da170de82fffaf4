import type { ActivityInfo } from '../activity/context.js';
import { MessageReceiveError, MessageSendError } from './errors.js';
import { MESSAGING_DEFAULTS, secondsToMs } from './payload.js';
import { invocationMessaging } from './port.js';
import type { MessageRouter } from './types.js';

/** What a host function knows of its caller: the task it runs for. */
export interface MessagingHostContext {
  /** The calling task's info; `invocationId` is the sender / receiver. */
  readonly info: Pick<ActivityInfo, 'invocationId'>;
  /** Aborted when the calling task is cancelled, closed or shut down: the call is abandoned. */
  readonly signal: AbortSignal;
}

/**
 * Arguments of host function `messaging.send` (plain JSON; see docs/messaging.md).
 * Times are seconds; `null` or absent takes the default (addressee: 90 s, overall: none).
 */
export interface SendMessageArgs {
  invocation_id: string;
  addressee: string;
  data: unknown;
  addressee_timeout?: number | null;
  timeout?: number | null;
}

/** Arguments of host function `messaging.receive`; `timeout` in seconds, `null` or absent: none. */
export interface ReceiveMessageArgs {
  addressee: string;
  timeout?: number | null;
}

/** What `messaging.receive` answers. */
export interface ReceiveMessageResult {
  from: string;
  addressee: string;
  data: unknown;
}

/** The worker-side handlers of the host functions `messaging.send` and `messaging.receive`. */
export interface MessagingHostHandlers {
  /** Resolves `null` once delivered; rejects with a {@link MessageSendError} (box it with `toJSON()`). */
  send(args: unknown, context: MessagingHostContext): Promise<null>;
  /** Resolves `{ from, addressee, data }`; rejects with {@link MessageReceiveTimeout} or {@link MessageReceiveError}. */
  receive(args: unknown, context: MessagingHostContext): Promise<ReceiveMessageResult>;
}

/**
 * Handlers for the host functions a child process (or a program in another language) calls to send
 * and receive messages as the task it runs: the same rules as `sendMessage` / `receiveMessage` in
 * the worker. Arguments and results are plain JSON; errors are the typed messaging errors, whose
 * `toJSON()` crosses the process boundary and `messagingErrorFromJSON` rebuilds.
 */
export function messagingHostHandlers(router: MessageRouter): MessagingHostHandlers {
  return {
    async send(args, context) {
      const a = argsObject(args, 'messaging.send', (m) => new MessageSendError('INVALID_ARGUMENT', m));
      const invalid = (m: string): MessageSendError => new MessageSendError('INVALID_ARGUMENT', m);
      if (!('data' in a)) throw invalid('messaging.send needs data (any JSON value; null is one)');
      const port = invocationMessaging(router, context.info.invocationId, context.signal);
      await port.send(a.invocation_id as string, a.addressee as string, a.data, {
        addresseeTimeoutSeconds: secondsToMs('addressee_timeout', a.addressee_timeout, MESSAGING_DEFAULTS.addresseeTimeoutSeconds, invalid) / 1000,
        timeoutSeconds: secondsToMs('timeout', a.timeout, Number.POSITIVE_INFINITY, invalid) / 1000,
      });
      return null;
    },
    async receive(args, context) {
      const invalid = (m: string): MessageReceiveError => new MessageReceiveError('INVALID_ARGUMENT', m);
      const a = argsObject(args, 'messaging.receive', invalid);
      const port = invocationMessaging(router, context.info.invocationId, context.signal);
      const message = await port.receive(a.addressee as string, {
        timeoutSeconds: secondsToMs('timeout', a.timeout, Number.POSITIVE_INFINITY, invalid) / 1000,
      });
      return { from: message.from, addressee: message.addressee, data: message.data };
    },
  };
}

function argsObject(args: unknown, name: string, invalid: (message: string) => Error): Record<string, unknown> {
  if (args === null || typeof args !== 'object' || Array.isArray(args)) throw invalid(`${name} takes an object of arguments, got ${args === null ? 'null' : Array.isArray(args) ? 'an array' : typeof args}`);
  return args as Record<string, unknown>;
}
