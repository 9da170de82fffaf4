import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SWFClient } from '@aws-sdk/client-swf';
import { startCallbackServer, type CallbackServer } from 'flowy-swf';

/**
 * The demo's delegation: a callback service, and a fake third-party translation service that takes
 * work from `DelegateActivity` (a POST carrying the callback URL), reports `RUNNING` once, then
 * finishes the task with `SUCCESS` over HTTP, as a real webhook-calling system would.
 */
export interface DemoDelegation {
  /** What the worker needs to seal callback ids. */
  readonly workerOptions: { callbackSecrets: string[]; callbackUrl: string };
  /** Where `translate-document` tasks POST their work. */
  readonly thirdPartyUrl: string;
  /** Tasks the fake third party finished through the callback service. */
  finished(): number;
  /** Waits for the third party's callbacks still under way, then closes both servers. */
  close(): Promise<void>;
}

/** Starts the callback service and the fake third party on loopback. */
export async function startDemoDelegation(client: Pick<SWFClient, 'send'>, workMs = 100): Promise<DemoDelegation> {
  const secret = randomBytes(48).toString('base64');
  const callbacks: CallbackServer = await startCallbackServer({ secrets: [secret], client });
  let finished = 0;
  const pending = new Set<Promise<void>>();
  const report = async (callbackUrl: string, body: unknown): Promise<Response> =>
    fetch(callbackUrl, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const work = async (callbackUrl: string, input: unknown): Promise<void> => {
    await new Promise((resolve) => setTimeout(resolve, workMs / 2));
    const running = (await (await report(callbackUrl, { state: 'RUNNING', details: 'translating' })).json()) as { cancelRequested?: boolean };
    if (running.cancelRequested) {
      await report(callbackUrl, { state: 'CANCELLED' });
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, workMs / 2));
    const [, document] = Array.isArray(input) ? (input as unknown[]) : [];
    const answer = await report(callbackUrl, { state: 'SUCCESS', output: { document, language: 'fr', words: 42 } });
    if (answer.ok) finished++;
  };
  const thirdParty: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      const callbackUrl = req.headers['flowy-callback-url'];
      if (req.method !== 'POST' || typeof callbackUrl !== 'string') {
        res.writeHead(400).end();
        return;
      }
      const { input } = JSON.parse(text) as { input?: unknown };
      res.writeHead(202).end();
      const p = work(callbackUrl, input)
        .catch((error: unknown) => {
          process.stderr.write(`fake third party: ${String(error)}\n`);
        })
        .finally(() => pending.delete(p));
      pending.add(p);
    });
  });
  await new Promise<void>((resolve) => thirdParty.listen(0, '127.0.0.1', resolve));
  const { port } = thirdParty.address() as AddressInfo;
  return {
    workerOptions: { callbackSecrets: [secret], callbackUrl: callbacks.url },
    thirdPartyUrl: `http://127.0.0.1:${port}/translations`,
    finished: () => finished,
    async close() {
      await Promise.all(pending);
      await new Promise<void>((resolve) => thirdParty.close(() => resolve()));
      await callbacks.close();
    },
  };
}
