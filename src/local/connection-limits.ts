/**
 * What keeps one client from exhausting the endpoint: time limits for a request's headers and body, and a
 * cap on open connections past which a new one gets a 503 at once and is closed. @internal
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** Limits on connections; see `LocalSwfOptions` for each one's meaning and default. */
export interface ConnectionLimits {
  maxConnections: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}

/** @default values of {@link ConnectionLimits}. */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxConnections: 2048,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
};

/** How often Node checks the header and request time limits: often enough that they hold to about a second. */
export function connectionsCheckingInterval(limits: ConnectionLimits): number {
  return Math.max(50, Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4)));
}

function refusal(limits: ConnectionLimits): string {
  const body = JSON.stringify({
    __type: 'ServiceUnavailableException',
    message: `The local SWF endpoint holds ${limits.maxConnections.toLocaleString('en-US')} connections, its maxConnections; retry later, or start it with a higher maxConnections (--max-connections)`,
  });
  return [
    'HTTP/1.1 503 Service Unavailable',
    'content-type: application/x-amz-json-1.0',
    `content-length: ${Buffer.byteLength(body)}`,
    'connection: close',
    '',
    body,
  ].join('\r\n');
}

/**
 * Applies `limits` to `server`: Node answers a request whose headers or body take too long with 408 and
 * closes it; a connection past the cap gets a 503 ServiceUnavailableException (which SDKs retry) and is closed
 * without being read. `onRefused` hears of each refusal.
 */
export function applyConnectionLimits(server: Server, limits: ConnectionLimits, onRefused?: (open: number) => void): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  const open = new Set<Socket>();
  const answer = refusal(limits);
  server.on('connection', (socket: Socket) => {
    if (open.size >= limits.maxConnections) {
      socket.on('error', () => {});
      socket.end(answer);
      // A client that never reads its answer must not hold the socket either.
      setTimeout(() => socket.destroy(), 1000).unref();
      onRefused?.(open.size);
      return;
    }
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
}
