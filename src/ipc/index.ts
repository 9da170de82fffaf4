/** Communicators (pipe, socket) and the call / stream / cancel protocol they carry. Internal to flowy-swf. */
export { DEFAULT_MAX_MESSAGE_BYTES, encodeFrame, FrameDecoder, FrameError, FRAME_HEADER_BYTES } from './framing.js';
export {
  asMessage,
  boxError,
  unboxError,
  ProtocolError,
  RemoteError,
  type AckMessage,
  type BoxedError,
  type CallMessage,
  type CreditMessage,
  type ErrorMessage,
  type FuncType,
  type Message,
  type ReturnMessage,
  type StopMessage,
  type YieldMessage,
} from './messages.js';
export {
  COMMUNICATOR_NAMES,
  CommunicatorClosedError,
  StreamCommunicator,
  type Communicator,
  type CommunicatorName,
} from './communicator.js';
export {
  acceptOne,
  checkCommunicatorName,
  COMMUNICATOR_ENV,
  connectFromEnvironment,
  listenUnixSocket,
  PIPE_FDS,
  prepareCommunicator,
  SOCKET_ENV,
  type PreparedCommunicator,
} from './transports.js';
export {
  CallCancelledError,
  CallTimeoutError,
  DEFAULT_STREAM_CREDIT,
  NoSuchFunctionError,
  Peer,
  StreamOverrunError,
  type CallContext,
  type Handler,
  type HandlerLookup,
  type PeerOptions,
  type RemoteCall,
} from './peer.js';
