/** The SWF transport: the worker's hot calls by the AWS SDK or by the lean path, behind one interface. */
export type { SwfTransport, SwfTransportKind } from './types.js';
export { sdkTransport, toTransport, isSwfTransport, type SwfSender } from './sdk.js';
export { LeanSwfTransport, LEAN_USER_AGENT, type LeanTransportOptions } from './lean.js';
export { chooseTransport, leanTransportFor, markPlainClient, isPlainClient, type TransportChoice } from './select.js';
export { swfErrorOf } from './errors.js';
export type { HttpClientKind } from './http.js';
