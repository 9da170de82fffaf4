/**
 * The messaging rules across two worker processes through Redis, and a worker killed (SIGKILL) while
 * its invocation waits. The processes run the built package (test/fixtures/messaging/peer.mjs).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureBuilt } from '../reliability/harness.js';
import { failureOf, messagingContract } from './messaging/contract.js';
import { Peer } from './messaging/peer-client.js';
import { describeWithRedis, uniquePrefix } from './messaging/redis-env.js';

describeWithRedis('Redis router across two worker processes', (url) => {
  let near: Peer;
  let far: Peer;
  beforeAll(async () => {
    ensureBuilt();
    const prefix = uniquePrefix();
    [near, far] = await Promise.all([Peer.start(url, prefix), Peer.start(url, prefix)]);
  }, 300_000);
  afterAll(async () => {
    await Promise.all([near?.stop(), far?.stop()]);
  });

  messagingContract(() => ({ near: () => near.invocation(), far: () => far.invocation() }));

  it('a worker killed while its invocation waits: the send in flight fails, and later sends fail at once', async () => {
    const prefix = uniquePrefix();
    // Liveness of 2 s: the killed worker is known gone within about that.
    const [sender, doomed] = await Promise.all([Peer.start(url, prefix, 2), Peer.start(url, prefix, 2)]);
    try {
      const [from, target] = await Promise.all([sender.invocation(), doomed.invocation()]);
      // The target waits on "progress"; the message goes to "other", where nothing waits: it stays in flight.
      void target.port.receive('progress').catch(() => {});
      const inFlight = failureOf(from.port.send(target.id, 'other', 'lost?', { addresseeTimeoutSeconds: 120 }));
      await new Promise((r) => setTimeout(r, 300));
      await doomed.kill();
      const failure = await inFlight;
      expect(failure).toMatchObject({ name: 'MessageSendError', code: 'INVOCATION_FINISHED' });
      expect(failure.message).toContain('in flight');
      const after = await failureOf(from.port.send(target.id, 'progress', 'anyone?', { addresseeTimeoutSeconds: 120 }));
      expect(after).toMatchObject({ code: 'INVOCATION_FINISHED' });
      expect(after.message).toContain('stopped refreshing its liveness');
    } finally {
      await Promise.all([sender.stop(), doomed.stop()]);
    }
  }, 60_000);
});
