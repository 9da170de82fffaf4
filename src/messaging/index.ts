/** Invocation messaging: invocation ids, send / receive between running activities, in-process and Redis routers. */
export { receiveMessage, sendMessage } from './api.js';
export { defaultMessageRouter } from './default-router.js';
export {
  MESSAGE_RECEIVE_ERROR_CODES,
  MESSAGE_SEND_ERROR_CODES,
  MessageReceiveError,
  MessageReceiveTimeout,
  MessageSendError,
  MessagingError,
  messagingErrorFromJSON,
  type MessageReceiveErrorCode,
  type MessageSendErrorCode,
  type MessagingErrorJSON,
} from './errors.js';
export {
  messagingHostHandlers,
  type MessagingHostContext,
  type MessagingHostHandlers,
  type ReceiveMessageArgs,
  type ReceiveMessageResult,
  type SendMessageArgs,
} from './host-handlers.js';
export { InProcessRouter, type InProcessRouterOptions } from './in-process-router.js';
export { INVOCATION_ID_PREFIX, isInvocationId, newInvocationId } from './invocation-id.js';
export { MESSAGING_DEFAULTS, MESSAGING_LIMITS } from './payload.js';
export { hostCallMessaging, invocationMessaging, messagingOf, type HostCall } from './port.js';
export { RedisRouter, redactUrl, type RedisRouterOptions } from './redis-router.js';
export type {
  InvocationMessaging,
  MessageRouter,
  ReceivedMessage,
  ReceiveMessageOptions,
  RoutedMessage,
  RouterReceiveRequest,
  RouterSendRequest,
  SendMessageOptions,
} from './types.js';
