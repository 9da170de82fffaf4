/** Each communicator with a real child process: 50 MB messages both ways, loud stdout/stderr, calls back. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Peer, prepareCommunicator, type CommunicatorName } from '../../src/ipc/index.js';

const CHILD = fileURLToPath(new URL('../fixtures/ipc/echo-child.ts', import.meta.url));
const MB = 1024 * 1024;

async function startChild(name: CommunicatorName) {
  const prepared = await prepareCommunicator(name);
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    stdio: prepared.stdio,
    env: { ...process.env, ...prepared.env },
  });
  let stdout = 0;
  let stderr = 0;
  child.stdout!.on('data', (c: Buffer) => (stdout += c.length));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.length));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const communicator = await prepared.connect(child, AbortSignal.timeout(20_000));
  const peer = new Peer(communicator, {
    id: 'worker:test',
    handlers: (ns, func) => (ns === 'parent' && func === 'double' ? (args) => (args as { n: number }).n * 2 : undefined),
  });
  return { peer, child, exited, prepared, output: () => ({ stdout, stderr }) };
}

describe.each(['pipe', 'socket'] as const)('the %s communicator', (name) => {
  it('carries 50 MB each way, survives 10 MB of stdout and stderr, and lets the child call back', { timeout: 90_000 }, async () => {
    const c = await startChild(name);
    try {
      const text = 'x'.repeat(50 * MB);
      expect(await c.peer.call('test', 'size', { text })).toBe(50 * MB);
      const big = (await c.peer.call('test', 'big', { bytes: 50 * MB })) as string;
      expect(big.length).toBe(50 * MB);
      expect(await c.peer.call('test', 'noise', { bytes: 10 * MB })).toBe('done');
      // Node writes stdout to a pipe asynchronously: the answer may come first; the rest must still drain.
      for (let i = 0; i < 600 && (c.output().stderr < 10 * MB || c.output().stdout < 10 * MB); i++) await new Promise((r) => setTimeout(r, 50));
      expect(c.output().stdout).toBeGreaterThanOrEqual(10 * MB);
      expect(c.output().stderr).toBeGreaterThanOrEqual(10 * MB);
      expect(await c.peer.call('test', 'callback', null)).toBe(42);
      const ping = (await c.peer.call('self', 'ping', null, { timeoutMs: 10_000 })) as { pid: number; rss: number };
      expect(ping.pid).toBe(c.child.pid);
      expect(ping.rss).toBeGreaterThan(0);
    } finally {
      await c.peer.close();
      await c.prepared.dispose();
    }
    // Closing the channel ends the child.
    expect(await c.exited).toBe(0);
  });
});
