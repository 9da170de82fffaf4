/** Communicators (pipe, socket) and the call / stream / cancel protocol they carry. Internal to flowy-swf. */
export { encodeFrame, FrameDecoder, FrameError } from './framing.js';
export { boxError, unboxError, RemoteError, type BoxedError } from './messages.js';
export { StreamCommunicator, type CommunicatorName } from './communicator.js';
export {
  acceptOne,
  checkCommunicatorName,
  connectFromEnvironment,
  listenUnixSocket,
  prepareCommunicator,
  SOCKET_ENV,
} from './transports.js';
export {
  NoSuchFunctionError,
  Peer,
  StreamOverrunError,
  type CallContext,
  type Handler,
  type HandlerLookup,
  type RemoteCall,
} from './peer.js';
