/** Drives a messaging worker process (test/fixtures/messaging/peer.mjs) from a test. */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { MessagingError, messagingErrorFromJSON, type InvocationMessaging, type ReceivedMessage } from '../../../src/messaging/index.js';
import type { TestInvocation } from './contract.js';

const PEER = fileURLToPath(new URL('../../fixtures/messaging/peer.mjs', import.meta.url));

/** One worker process with a Redis router. */
export class Peer {
  readonly #child: ChildProcess;
  readonly #calls = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  #seq = 0;
  stderr = '';
  readonly exited: Promise<unknown>;

  private constructor(child: ChildProcess) {
    this.#child = child;
    this.exited = once(child, 'exit');
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => (this.stderr = (this.stderr + chunk).slice(-10_000)));
    child.on('message', (m: { seq?: number; ok?: boolean; value?: unknown; error?: unknown }) => {
      const call = m.seq === undefined ? undefined : this.#calls.get(m.seq);
      if (!call || m.seq === undefined) return;
      this.#calls.delete(m.seq);
      if (m.ok) call.resolve(m.value);
      else call.reject(isBoxed(m.error) ? messagingErrorFromJSON(m.error) : new Error(JSON.stringify(m.error)));
    });
    void this.exited.then(() => {
      for (const call of this.#calls.values()) call.reject(new Error(`the peer process exited: ${this.stderr}`));
      this.#calls.clear();
    });
  }

  /** Starts a peer on `url` with its keys under `keyPrefix`. */
  static async start(url: string, keyPrefix: string, livenessSeconds = 30): Promise<Peer> {
    const child = fork(PEER, [url, keyPrefix, String(livenessSeconds)], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: { ...process.env, NODE_OPTIONS: '' } });
    const peer = new Peer(child);
    const [first] = (await Promise.race([once(child, 'message'), peer.exited.then(() => [undefined])])) as [unknown];
    if (!first) throw new Error(`the peer did not start: ${peer.stderr}`);
    return peer;
  }

  call<T>(op: string, args?: Record<string, unknown>): Promise<T> {
    const seq = ++this.#seq;
    return new Promise<T>((resolve, reject) => {
      this.#calls.set(seq, { resolve: resolve as (v: unknown) => void, reject });
      this.#child.send({ seq, op, args });
    });
  }

  /** A new invocation running in the peer. */
  async invocation(): Promise<TestInvocation> {
    const id = await this.call<string>('register');
    const port: InvocationMessaging = {
      send: (to, addressee, data, options) => this.call<null>('send', { from: id, to, addressee, data, options }).then(() => undefined),
      receive: <T>(addressee: string, options?: { timeoutSeconds?: number }) => this.call<ReceivedMessage<T>>('receive', { id, addressee, options }),
    };
    return { id, port, finish: () => this.call<null>('finish', { id }).then(() => undefined) };
  }

  /** SIGKILL: no clean-up at all, as when a host dies. */
  async kill(): Promise<void> {
    this.#child.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    this.#child.disconnect();
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, 5_000))]);
    if (this.#child.exitCode === null) this.#child.kill('SIGKILL');
  }
}

function isBoxed(error: unknown): boolean {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string';
}

export { MessagingError };
