/**
 * The worker on the lean transport against a local endpoint that verifies SigV4
 * (`startLocalSwf({ auth: { credentials: [...] } })`, `flowy-swf local --auth`). Runs when the endpoint
 * verifies signatures: the probe below starts one with `auth` and checks that a request signed with the
 * wrong secret is refused; an endpoint that ignores the option skips the suite.
 */
import { ListDomainsCommand, SWFClient } from '@aws-sdk/client-swf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseTransport, createSwfClient, LeanSwfTransport } from 'flowy-swf';
import { startLocalSwf, type LocalSwf, type LocalSwfOptions } from 'flowy-swf/local';
import '../fixtures/e2e/activities.js';
import { outcomeOf, registerDomain, scheduleActivities, startWorker } from './helpers.js';

const GOOD = { accessKeyId: 'AKIDFLOWYTEST', secretAccessKey: 'flowy-test-secret' };
const WRONG = { accessKeyId: GOOD.accessKeyId, secretAccessKey: 'not-the-secret' };

function authOptions(): LocalSwfOptions {
  return { port: 0, pollTimeoutMs: 300, auth: { credentials: [GOOD] } } as LocalSwfOptions;
}

/** True when startLocalSwf takes `auth` and refuses a request signed with the wrong secret. */
async function probeAuth(): Promise<boolean> {
  let swf: LocalSwf | undefined;
  const client = (credentials: typeof GOOD): SWFClient => new SWFClient({ endpoint: swf!.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
  try {
    swf = await startLocalSwf({ ...authOptions(), warn: () => {} });
    const wrong = client(WRONG);
    const refused = await wrong.send(new ListDomainsCommand({ registrationStatus: 'REGISTERED' })).then(
      () => false,
      () => true,
    );
    wrong.destroy();
    return refused;
  } catch {
    return false;
  } finally {
    await swf?.close();
  }
}

const authSupported = await probeAuth();

describe.skipIf(!authSupported)('the worker on the lean transport runs against an auth endpoint', () => {
  let swf: LocalSwf;
  let admin: SWFClient;
  beforeAll(async () => {
    swf = await startLocalSwf(authOptions());
    admin = createSwfClient({ endpoint: swf.endpoint, credentials: GOOD });
  });
  afterAll(async () => {
    admin.destroy();
    await swf.close();
  });

  it('completes a task, every hot call signed by the lean transport and accepted', async () => {
    const client = createSwfClient({ endpoint: swf.endpoint, credentials: GOOD });
    expect(chooseTransport(client).kind).toBe('lean');
    const domain = await registerDomain(admin);
    const w = await startWorker({ client, domain, taskList: 'e2e' });
    try {
      const execution = await scheduleActivities(admin, domain, [{ activityId: 'a', name: 'e2e-echo', args: ['signed'] }]);
      expect(await outcomeOf(admin, execution, 'a')).toMatchObject({ eventType: 'ActivityTaskCompleted', result: '["signed"]' });
    } finally {
      await w.stop();
      client.destroy();
    }
  });

  it('a poll signed with the wrong secret is refused, and not as a transient error', async () => {
    const domain = await registerDomain(admin);
    const lean = new LeanSwfTransport(new SWFClient({ endpoint: swf.endpoint, region: 'us-east-1', credentials: WRONG }));
    const error = (await lean.pollForActivityTask({ domain, taskList: { name: 'e2e' } }).then(
      () => ({ name: 'no error: the poll was accepted' }),
      (e: unknown) => e,
    )) as { name?: string; $metadata?: { httpStatusCode?: number } };
    expect(error.name).not.toBe('no error: the poll was accepted');
    expect(error.name).not.toBe('UnknownResourceFault');
    expect(error.$metadata?.httpStatusCode).toBeGreaterThanOrEqual(400);
    expect(error.$metadata?.httpStatusCode).toBeLessThan(500);
    await lean.close();
  });
});
