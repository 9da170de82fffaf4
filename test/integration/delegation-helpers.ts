/** Shared pieces of the delegation end-to-end tests: secrets, a worker with callback settings, HTTP calls. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCallbackServer, type CallbackServer, type CallbackServerOptions } from 'flowy-swf';
import '../fixtures/e2e/delegation.js';
import { startWorker, type Endpoint, type RunningWorker } from './helpers.js';

/** A fresh random secret, as `openssl rand -base64 48` makes one. */
export function newSecret(): string {
  return randomBytes(48).toString('base64');
}

/** Writes a secret file (one secret per line, current first) and returns its path. */
export function secretFile(...secrets: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'flowy-callbacks-'));
  const path = join(dir, 'secret');
  writeFileSync(path, `# callback secrets, current first\n${secrets.join('\n')}\n`, { mode: 0o600 });
  return path;
}

/** An answer of the callback service. */
export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** `PUT url` with a JSON body (a string is sent as it is). */
export async function put(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { text };
  }
  return { status: response.status, headers: response.headers, body: parsed };
}

/** The callback URL of `id` on another server. */
export function on(server: CallbackServer, id: string): string {
  return `${server.url}/v1/callbacks/${id}`;
}

/** A callback server on the endpoint, and a worker on task list `e2e-delegation` whose ids point at it. */
export interface DelegationRig {
  readonly domain: string;
  readonly server: CallbackServer;
  readonly worker: RunningWorker;
  close(): Promise<void>;
}

/** Starts a callback server (secrets from `secrets`) and a worker sealing with `workerSecrets` (default the same). */
export async function startRig(
  env: Endpoint,
  secrets: string[],
  options: { workerSecrets?: string[]; server?: Partial<CallbackServerOptions> } = {},
): Promise<DelegationRig> {
  const domain = await env.newDomain();
  const server = await startCallbackServer({ secretFile: secretFile(...secrets), client: env.client, ...options.server });
  const worker = await startWorker({
    client: env.client,
    domain,
    taskList: 'e2e-delegation',
    callbackSecretFile: secretFile(...(options.workerSecrets ?? secrets)),
    callbackUrl: server.url,
  });
  return {
    domain,
    server,
    worker,
    async close() {
      await worker.stop();
      await server.close();
    },
  };
}
