/**
 * `flowy-swf/activity`: what an activity module needs, and nothing of the worker. An activity that runs
 * in a child process (`executor: 'process'`) is loaded by every child; importing it from here keeps the
 * AWS SDK, the HTTP clients, Fastify and ioredis out of each child (docs/executors.md, "Keep children
 * light"). Everything here is the same object the main entry (`flowy-swf`) exports.
 *
 * @module activity
 */
import 'reflect-metadata';

export {
  Activity,
  SuspendTask,
  ActivityAbortedError,
  activityContext,
  activityInfo,
  callHost,
  cancellationSignal,
  heartbeat,
  type ActivityAbortKind,
  type ActivityContext,
  type ActivityInfo,
  type CallHostOptions,
} from '../activity/index.js';
export { activity, type ActivityDecorator } from '../scanner/decorator.js';
export type { ActivityTimeouts, ActivityOptions, ActivityExecutionOptions, TimeoutSeconds } from '../scanner/types.js';
export {
  CommandActivity,
  CommandExitError,
  CommandFailedError,
  INVOCATION_ID_ENV,
  type CommandOutput,
  type CommandSpec,
} from '../command/command-activity.js';
export { receiveMessage, sendMessage } from '../messaging/api.js';
export {
  MESSAGE_RECEIVE_ERROR_CODES,
  MESSAGE_SEND_ERROR_CODES,
  MessageReceiveError,
  MessageReceiveTimeout,
  MessageSendError,
  MessagingError,
  type MessageReceiveErrorCode,
  type MessageSendErrorCode,
} from '../messaging/errors.js';
export type { InvocationMessaging, ReceivedMessage, ReceiveMessageOptions, SendMessageOptions } from '../messaging/types.js';
export { FlowySwfError, ConfigurationError } from '../swf/errors.js';
export { InputError, ResultError } from '../swf/codec.js';
