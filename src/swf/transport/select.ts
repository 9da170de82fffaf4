import { SWFClient } from '@aws-sdk/client-swf';
import { ConfigurationError } from '../errors.js';
import { LeanSwfTransport, type LeanTransportOptions } from './lean.js';
import { sdkTransport, toTransport, isSwfTransport, type SwfSender } from './sdk.js';
import type { SwfTransport } from './types.js';

/**
 * Which path the worker's hot calls take.
 * - `auto`: the lean path for a client `createSwfClient` built with nothing of the user's in its send path
 *   (no middleware added since, no request handler or other client setting of the user's); the SDK path
 *   for any other client.
 * - `lean`: the lean path on any `SWFClient` (its region, endpoint and credentials are used; its middleware
 *   and request handler are not).
 * - `sdk`: every call through `client.send`.
 */
export type TransportChoice = 'auto' | 'lean' | 'sdk';

/** Clients createSwfClient built plain, with the number of middleware they had then and their socket limit. */
const plainClients = new WeakMap<object, { middleware: number; maxSockets: number }>();
const leanTransports = new WeakMap<object, LeanSwfTransport>();

/** @internal Marks a client createSwfClient built with nothing of the user's in its send path. */
export function markPlainClient(client: SWFClient, maxSockets: number): void {
  plainClients.set(client, { middleware: client.middlewareStack.identify().length, maxSockets });
}

/** True when `client` is one createSwfClient built plain and no middleware was added to it since. */
export function isPlainClient(client: unknown): boolean {
  const plain = plainClients.get(client as object);
  return plain !== undefined && (client as SWFClient).middlewareStack.identify().length === plain.middleware;
}

/**
 * The lean transport of `client`, built once per client (later `options` are ignored). It is closed when
 * the client is destroyed (`client.destroy()` is wrapped on this instance for it). For a client from
 * `createSwfClient`, its `maxSockets` is the pool's size.
 */
export function leanTransportFor(client: SWFClient, options?: LeanTransportOptions): LeanSwfTransport {
  let lean = leanTransports.get(client);
  if (!lean) {
    const maxSockets = plainClients.get(client)?.maxSockets;
    const made = new LeanSwfTransport(client, { ...(maxSockets !== undefined ? { maxSockets } : {}), ...options });
    lean = made;
    leanTransports.set(client, made);
    const destroy = client.destroy.bind(client);
    client.destroy = (): void => {
      destroy();
      void made.close();
    };
  }
  return lean;
}

/**
 * The transport the worker uses for `client` (see {@link TransportChoice}). On the SDK path the client's
 * `cacheMiddleware` is turned on unless the client set it (to `false`, say): its handler is then built
 * once per operation, not for every call.
 */
export function chooseTransport(client: SwfSender | SwfTransport, choice: TransportChoice = 'auto'): SwfTransport {
  if (isSwfTransport(client)) return client;
  const isSdkClient = client instanceof SWFClient;
  if (choice === 'lean') {
    if (!isSdkClient) {
      throw new ConfigurationError(
        "Worker: transport 'lean' needs an SWFClient (its region, endpoint and credentials are used); this client is not one. Pass an SWFClient, or transport 'sdk'",
      );
    }
    return leanTransportFor(client);
  }
  if (choice === 'auto' && isSdkClient && isPlainClient(client)) return leanTransportFor(client);
  if (isSdkClient) {
    const config = client.config as { cacheMiddleware?: boolean };
    if (config.cacheMiddleware === undefined) config.cacheMiddleware = true;
  }
  return sdkTransport(client);
}

export { toTransport };
