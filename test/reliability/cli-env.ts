/**
 * The environment of the tests that run the built CLI worker as a child process: a local endpoint, a
 * client, a registered domain and the children started; set up per test, torn down after each (children
 * killed, decider stopped, endpoint closed). Each child's stderr is printed when a test fails.
 */
import { afterEach, beforeAll, expect, onTestFailed } from 'vitest';
import type { SWFClient } from '@aws-sdk/client-swf';
import { createSwfClient } from 'flowy-swf';
import { startLocalSwf, type LocalSwf } from 'flowy-swf/local';
import { cliArgs, ensureBuilt, killChildren, registerDomain, spawnWorker, until, WORKER_CLI, type ChildWorker, type Decider } from './harness.js';

/** One test's endpoint, client, domain, decider and children. */
export interface CliEnv {
  swf: LocalSwf;
  client: SWFClient;
  domain: string;
  decider?: Decider;
  children: ChildWorker[];
}

/**
 * Registers the suite's hooks (build once, tear down after each test) and returns its `setUp(domain)`,
 * which starts an endpoint holding an empty poll `pollTimeoutMs` and registers `domain` on it.
 */
export function useCliEnv(pollTimeoutMs: number): (domain: string) => Promise<CliEnv> {
  let env: CliEnv | undefined;
  beforeAll(() => ensureBuilt(), 300_000);
  afterEach(async () => {
    const e = env;
    env = undefined;
    await killChildren();
    if (!e) return;
    await e.decider?.stop();
    e.client.destroy();
    await e.swf.close();
  });
  return async (domain) => {
    const swf = await startLocalSwf({ pollTimeoutMs });
    const client = createSwfClient({ endpoint: swf.endpoint });
    const e: CliEnv = { swf, client, domain, children: [] };
    env = e;
    onTestFailed(() => {
      for (const child of e.children) console.error(`--- stderr of ${child.identity} ---\n${child.stderr()}`);
    });
    await registerDomain(client, domain);
    return e;
  };
}

/** Starts the CLI worker with `extra` flags; resolves once `pollsOpen(before)` holds (it polls), failing if it exited. */
export async function startCliWorker(e: CliEnv, identity: string, extra: readonly string[], pollsOpen: (before: number) => boolean): Promise<ChildWorker> {
  const before = e.swf.stats().waitingPolls;
  const child = spawnWorker(WORKER_CLI, cliArgs(e.swf.endpoint, e.domain, identity, extra), identity);
  e.children.push(child);
  await until(`${identity} to poll`, () => pollsOpen(before) || !child.alive(), 30_000);
  expect(child.alive(), `${identity} exited at start:\n${child.stderr()}`).toBe(true);
  return child;
}
