/**
 * The rules of invocation messaging, as one suite every router must pass: in one process
 * (in-process router), across two routers on one Redis, and across two worker processes.
 */
import { describe, expect, it } from 'vitest';
import {
  MessageReceiveError,
  MessageReceiveTimeout,
  MessageSendError,
  MESSAGING_LIMITS,
  newInvocationId,
  type InvocationMessaging,
} from '../../../src/messaging/index.js';

/** One invocation as a test drives it: its id and its messaging port. */
export interface TestInvocation {
  readonly id: string;
  readonly port: InvocationMessaging;
  /** Ends the invocation, as the worker does when `run` returns. */
  finish(): Promise<void>;
}

/** Two places invocations run: `near` sends, `far` runs the targets (the same place in one process). */
export interface ContractSides {
  near(): Promise<TestInvocation>;
  far(): Promise<TestInvocation>;
}

/** How the failure of `promise` looks: its class name and code. */
export async function failureOf(promise: Promise<unknown>): Promise<{ name: string; code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as { name: string; code: string; message: string };
    return { name: e.name, code: e.code, message: e.message };
  }
  throw new Error('expected a rejection, got a resolution');
}

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Registers the rule tests; `sides` is called in each test after the suite's own setup. */
export function messagingContract(sides: () => ContractSides): void {
  describe('the messaging rules', () => {
    it('delivers to a waiting receiver: the send resolves, the receive returns from and data', async () => {
      const { near, far } = sides();
      const [sender, target] = await Promise.all([near(), far()]);
      const received = target.port.receive('progress', { timeoutSeconds: 20 });
      await wait(50);
      await sender.port.send(target.id, 'progress', { step: 1, note: 'ünïcode ✓' });
      await expect(received).resolves.toEqual({ from: sender.id, addressee: 'progress', data: { step: 1, note: 'ünïcode ✓' } });
    });

    it('waits for an addressee that starts receiving within addresseeTimeoutSeconds', async () => {
      const { near, far } = sides();
      const [sender, target] = await Promise.all([near(), far()]);
      let sent = false;
      const sending = sender.port.send(target.id, 'late', 'hello', { addresseeTimeoutSeconds: 20 }).then(() => (sent = true));
      await wait(400);
      expect(sent).toBe(false); // nothing received yet: the send is still waiting
      const got = await target.port.receive('late', { timeoutSeconds: 20 });
      await sending;
      expect(got).toEqual({ from: sender.id, addressee: 'late', data: 'hello' });
    });

    it('fails with ADDRESSEE_TIMEOUT when nothing receives in time, and does not keep the message', async () => {
      const { near, far } = sides();
      const [sender, target] = await Promise.all([near(), far()]);
      const failure = await failureOf(sender.port.send(target.id, 'nobody', 1, { addresseeTimeoutSeconds: 0.3 }));
      expect(failure).toMatchObject({ name: 'MessageSendError', code: 'ADDRESSEE_TIMEOUT' });
      expect(failure.message).toContain('"nobody"');
      const later = await failureOf(target.port.receive('nobody', { timeoutSeconds: 0.3 }));
      expect(later).toMatchObject({ name: 'MessageReceiveTimeout', code: 'RECEIVE_TIMEOUT' });
    });

    it('fails at once with INVOCATION_FINISHED for a target that finished', async () => {
      const { near, far } = sides();
      const [sender, target] = await Promise.all([near(), far()]);
      await target.finish();
      const started = Date.now();
      const failure = await failureOf(sender.port.send(target.id, 'x', 1, { addresseeTimeoutSeconds: 60 }));
      expect(failure).toMatchObject({ name: 'MessageSendError', code: 'INVOCATION_FINISHED' });
      expect(failure.message).toContain(target.id);
      // "at once": far less than the 60 s the send would wait for an addressee of a running target.
      expect(Date.now() - started).toBeLessThan(30_000);
    });

    it('fails at once with INVOCATION_UNKNOWN for an id that never ran', async () => {
      const { near } = sides();
      const sender = await near();
      const ghost = newInvocationId();
      const failure = await failureOf(sender.port.send(ghost, 'x', 1, { addresseeTimeoutSeconds: 60 }));
      expect(failure).toMatchObject({ name: 'MessageSendError', code: 'INVOCATION_UNKNOWN' });
      expect(failure.message).toContain(ghost);
      const malformed = await failureOf(sender.port.send('task-0001', 'x', 1));
      expect(malformed).toMatchObject({ code: 'INVOCATION_UNKNOWN' });
      expect(malformed.message).toContain('not an invocation id');
    });

    it('rejects a receive with MessageReceiveTimeout after timeoutSeconds', async () => {
      const { far } = sides();
      const target = await far();
      const error = await target.port.receive('quiet', { timeoutSeconds: 0.2 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MessageReceiveTimeout);
      expect(error).toBeInstanceOf(MessageReceiveError);
      expect((error as MessageReceiveTimeout).message).toContain('"quiet"');
    });

    it('waits on two addressees at once and gives each its own message', async () => {
      const { near, far } = sides();
      const [sender, target] = await Promise.all([near(), far()]);
      const a = target.port.receive('a', { timeoutSeconds: 20 });
      const b = target.port.receive('b', { timeoutSeconds: 20 });
      await wait(50);
      await sender.port.send(target.id, 'b', 'for b');
      await sender.port.send(target.id, 'a', 'for a');
      await expect(a).resolves.toMatchObject({ addressee: 'a', data: 'for a' });
      await expect(b).resolves.toMatchObject({ addressee: 'b', data: 'for b' });
    });

    it('delivers each message exactly once, to one receiver', async () => {
      const { near, far } = sides();
      const [sender, target] = await Promise.all([near(), far()]);
      const r1 = target.port.receive('q', { timeoutSeconds: 20 });
      const r2 = target.port.receive('q', { timeoutSeconds: 20 });
      await wait(50);
      await Promise.all([sender.port.send(target.id, 'q', 1), sender.port.send(target.id, 'q', 2)]);
      const got = (await Promise.all([r1, r2])).map((m) => m.data).sort();
      expect(got).toEqual([1, 2]);
      await expect(target.port.receive('q', { timeoutSeconds: 0.3 })).rejects.toBeInstanceOf(MessageReceiveTimeout);
    });

    it('refuses data over the limit, naming its size and the limit; the limit itself passes', async () => {
      const { near, far } = sides();
      const [sender, target] = await Promise.all([near(), far()]);
      const over = 'x'.repeat(MESSAGING_LIMITS.dataBytes - 1); // its JSON has 2 quotes more
      const failure = await failureOf(sender.port.send(target.id, 'big', over));
      expect(failure).toMatchObject({ name: 'MessageSendError', code: 'MESSAGE_TOO_LARGE' });
      expect(failure.message).toContain('262,145 bytes');
      expect(failure.message).toContain('262,144');
      const fits = 'y'.repeat(MESSAGING_LIMITS.dataBytes - 2);
      const received = target.port.receive('big', { timeoutSeconds: 20 });
      await sender.port.send(target.id, 'big', fits, { addresseeTimeoutSeconds: 20 });
      expect(((await received).data as string).length).toBe(fits.length);
    });

    it('withdraws a message whose send timed out: a later receive does not get it', async () => {
      const { near, far } = sides();
      const [sender, target] = await Promise.all([near(), far()]);
      const failure = await failureOf(sender.port.send(target.id, 'slow', 'stale', { addresseeTimeoutSeconds: 60, timeoutSeconds: 0.5 }));
      expect(failure.code).toBe('TIMEOUT');
      await wait(300);
      await expect(target.port.receive('slow', { timeoutSeconds: 0.5 })).rejects.toBeInstanceOf(MessageReceiveTimeout);
    });

    it('fails a waiting send with INVOCATION_FINISHED when the target finishes', async () => {
      const { near, far } = sides();
      const [sender, target] = await Promise.all([near(), far()]);
      const sending = failureOf(sender.port.send(target.id, 'never', 1, { addresseeTimeoutSeconds: 60 }));
      await wait(300);
      await target.finish();
      expect(await sending).toMatchObject({ code: 'INVOCATION_FINISHED' });
    });
  });
}

export { MessageSendError };
