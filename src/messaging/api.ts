import { activityContext } from '../activity/context.js';
import { messagingOf } from './port.js';
import type { ReceivedMessage, ReceiveMessageOptions, SendMessageOptions } from './types.js';

/**
 * Sends `data` (any JSON value, at most 256 KiB as JSON) to `addressee` of running invocation
 * `invocationId`, from the current task. Resolves once a receiver waiting on that addressee took it.
 * Rejects with `MessageSendError` (`code`: `ADDRESSEE_TIMEOUT`, `INVOCATION_FINISHED`,
 * `INVOCATION_UNKNOWN`, `TIMEOUT`, `MESSAGE_TOO_LARGE`, ...). See docs/messaging.md.
 */
export function sendMessage(invocationId: string, addressee: string, data: unknown, options?: SendMessageOptions): Promise<void> {
  return messagingOf(activityContext()).send(invocationId, addressee, data, options);
}

/**
 * Waits for one message on `addressee` of the current task's invocation and returns
 * `{ from, addressee, data }`. Rejects with `MessageReceiveTimeout` after `timeoutSeconds`. Several
 * receives may wait at once, on different addressees or the same one (served in order).
 */
export function receiveMessage<T = unknown>(addressee: string, options?: ReceiveMessageOptions): Promise<ReceivedMessage<T>> {
  return messagingOf(activityContext()).receive<T>(addressee, options);
}
