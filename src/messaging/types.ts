/** The shapes messaging is made of: what an activity calls, and what a router does. */

/** Options of a send. */
export interface SendMessageOptions {
  /**
   * How long to wait for a receiver when the target runs but nothing waits on the addressee yet;
   * then the send fails with code `ADDRESSEE_TIMEOUT`. `0`: only a receiver waiting right now.
   * @default 90
   */
  addresseeTimeoutSeconds?: number;
  /**
   * The most the whole send may take, routing included; then it fails with code `TIMEOUT`.
   * @default Infinity (bounded by `addresseeTimeoutSeconds` once the target's worker has the message)
   */
  timeoutSeconds?: number;
}

/** Options of a receive. */
export interface ReceiveMessageOptions {
  /**
   * How long to wait for a message; then the receive rejects with {@link MessageReceiveTimeout}.
   * `0`: only a message a sender is offering right now.
   * @default Infinity (until a message comes or the task ends)
   */
  timeoutSeconds?: number;
}

/** A message taken by a receive. */
export interface ReceivedMessage<T = unknown> {
  /** The invocation id of the sender. */
  readonly from: string;
  /** The addressee (port) it came to. */
  readonly addressee: string;
  /** The data, as `JSON.parse(JSON.stringify(sent))`. */
  readonly data: T;
}

/**
 * The messaging port of one running invocation: what `sendMessage` / `receiveMessage` and the
 * activity's methods call. The worker gives each task one; in a child process the same port is made
 * over the host functions `messaging.send` / `messaging.receive` ({@link hostCallMessaging}).
 */
export interface InvocationMessaging {
  /** Sends `data` to `addressee` of invocation `to`; resolves once a receiver took it. */
  send(to: string, addressee: string, data: unknown, options?: SendMessageOptions): Promise<void>;
  /** Waits for one message on `addressee` of this invocation. */
  receive<T = unknown>(addressee: string, options?: ReceiveMessageOptions): Promise<ReceivedMessage<T>>;
}

/** A send, as a router takes it: checked, data already JSON, times in ms (`Infinity`: none). */
export interface RouterSendRequest {
  readonly from: string;
  readonly to: string;
  readonly addressee: string;
  /** The data's JSON text. */
  readonly data: string;
  readonly addresseeTimeoutMs: number;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/** A receive, as a router takes it. */
export interface RouterReceiveRequest {
  readonly invocationId: string;
  readonly addressee: string;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/** A message as a router hands it over: the data still JSON text. */
export interface RoutedMessage {
  readonly from: string;
  readonly addressee: string;
  readonly data: string;
}

/**
 * Knows which invocations run and where, and delivers messages between them. The worker registers
 * every task's invocation before `run` (the in-process router: when its id first leaves the running
 * task) and finishes it when `run` ends. Two come with flowy-swf:
 * {@link InProcessRouter} (the default) and {@link RedisRouter} (across processes and hosts).
 */
export interface MessageRouter {
  /** What kind of router it is, for logs: `in-process`, `redis`. */
  readonly kind: string;
  /** Marks `invocationId` running here. */
  register(invocationId: string): Promise<void>;
  /** Marks `invocationId` finished: sends waiting on it fail with `INVOCATION_FINISHED`, its receives too. */
  finish(invocationId: string): Promise<void>;
  /** Delivers one message; rejects with a {@link MessageSendError}. */
  send(request: RouterSendRequest): Promise<void>;
  /** Takes one message; rejects with a {@link MessageReceiveError} or {@link MessageReceiveTimeout}. */
  receive(request: RouterReceiveRequest): Promise<RoutedMessage>;
  /** Lets go of connections and timers; sends and receives still waiting fail with `ROUTER_UNAVAILABLE`. */
  close(): Promise<void>;
}
