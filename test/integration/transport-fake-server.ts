/** A tiny SWF-shaped HTTP server for transport tests: answers what the test says and records what it got. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the server got. */
export interface Received {
  target: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What to answer. */
export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Never answer (the client must time out). */
  hang?: boolean;
}

export interface FakeSwf {
  readonly endpoint: string;
  readonly received: Received[];
  /** How many TCP connections were opened. */
  connections(): number;
  answer(fn: (request: Received) => Answer): void;
  close(): Promise<void>;
}

export async function startFakeSwf(): Promise<FakeSwf> {
  let answer: (request: Received) => Answer = () => ({ status: 200, body: '{}' });
  const received: Received[] = [];
  let connections = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const request = { target: String(req.headers['x-amz-target'] ?? ''), headers: req.headers, body };
      received.push(request);
      const a = answer(request);
      if (a.hang) return;
      res.writeHead(a.status, { 'content-type': 'application/x-amz-json-1.0', ...a.headers });
      res.end(a.body ?? '');
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    received,
    connections: () => connections,
    answer: (fn) => (answer = fn),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
