import type { ActivityContext } from '../activity/context.js';
import { FlowySwfError } from '../swf/errors.js';
import { MessageReceiveError, messagingErrorFromJSON, MessagingError } from './errors.js';
import { checkAddressee, checkTarget, compileReceiveOptions, compileSendOptions, encodeMessageData } from './payload.js';
import type { InvocationMessaging, MessageRouter, ReceivedMessage, ReceiveMessageOptions, SendMessageOptions } from './types.js';

/**
 * The messaging port of invocation `invocationId`, over `router`: checks arguments, encodes data,
 * and abandons waits when `signal` aborts (the task was cancelled, closed or shut down). For code that
 * builds its own activity context (a custom executor); the worker gives each task one.
 */
export function invocationMessaging(router: MessageRouter, invocationId: string, signal: AbortSignal): InvocationMessaging {
  return {
    async send(to: string, addressee: string, data: unknown, options?: SendMessageOptions): Promise<void> {
      const target = checkTarget(to);
      const port = checkAddressee(addressee, 'send');
      const timeouts = compileSendOptions(options);
      const text = encodeMessageData(data);
      await router.send({ from: invocationId, to: target, addressee: port, data: text, ...timeouts, signal });
    },
    async receive<T>(addressee: string, options?: ReceiveMessageOptions): Promise<ReceivedMessage<T>> {
      const port = checkAddressee(addressee, 'receive');
      const { timeoutMs } = compileReceiveOptions(options);
      const message = await router.receive({ invocationId, addressee: port, timeoutMs, signal });
      return { from: message.from, addressee: message.addressee, data: JSON.parse(message.data) as T };
    },
  };
}

/** The messaging port of a task's context, or an error saying the worker gave it none. @internal */
export function messagingOf(context: ActivityContext): InvocationMessaging {
  if (!context.messaging) {
    throw new FlowySwfError('this activity context has no messaging: sendMessage() and receiveMessage() work in tasks a flowy-swf worker runs');
  }
  return context.messaging;
}

/** Calls a host function by name with plain JSON arguments; rejects with what the host threw. */
export type HostCall = (name: 'messaging.send' | 'messaging.receive', args: Record<string, unknown>) => Promise<unknown>;

/**
 * The messaging port of an activity running in a child process: every call goes to the worker as
 * host function `messaging.send` / `messaging.receive` (answered by {@link messagingHostHandlers}).
 * Arguments are checked here first, so a bad call fails without a round trip; an error the host
 * threw comes back as its JSON (`{ name, code, message }`) and is rebuilt into the same typed error.
 */
export function hostCallMessaging(call: HostCall): InvocationMessaging {
  return {
    async send(to: string, addressee: string, data: unknown, options?: SendMessageOptions): Promise<void> {
      const target = checkTarget(to);
      const port = checkAddressee(addressee, 'send');
      compileSendOptions(options);
      encodeMessageData(data);
      await rebuildErrors(
        call('messaging.send', {
          invocation_id: target,
          addressee: port,
          data,
          addressee_timeout: finiteOrNull(options?.addresseeTimeoutSeconds),
          timeout: finiteOrNull(options?.timeoutSeconds),
        }),
      );
    },
    async receive<T>(addressee: string, options?: ReceiveMessageOptions): Promise<ReceivedMessage<T>> {
      const port = checkAddressee(addressee, 'receive');
      compileReceiveOptions(options);
      const answer = await rebuildErrors(call('messaging.receive', { addressee: port, timeout: finiteOrNull(options?.timeoutSeconds) }));
      const o = answer as { from?: unknown; addressee?: unknown; data?: unknown } | null;
      if (!o || typeof o.from !== 'string') {
        throw new MessageReceiveError('ROUTER_UNAVAILABLE', `messaging.receive answered ${JSON.stringify(answer)?.slice(0, 200)}; expected { from, addressee, data }`);
      }
      return { from: o.from, addressee: typeof o.addressee === 'string' ? o.addressee : port, data: o.data as T };
    },
  };
}

/** `undefined` stays out (the default applies); `Infinity` has no JSON form, so it goes as `null` (none). */
function finiteOrNull(seconds: number | undefined): number | null | undefined {
  if (seconds === undefined) return undefined;
  return Number.isFinite(seconds) ? seconds : null;
}

async function rebuildErrors<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    if (error instanceof MessagingError) throw error;
    const o = error as { name?: unknown; code?: unknown } | null;
    if (o && typeof o === 'object' && typeof o.name === 'string' && /^Message(Send|Receive)(Error|Timeout)$/.test(o.name) && typeof o.code === 'string') {
      throw messagingErrorFromJSON(error);
    }
    throw error;
  }
}
