/**
 * Which path the worker's hot calls take, end to end against the local endpoint: the lean transport for
 * a client createSwfClient built plain, the SDK (and so the user's middleware) for any other client, and
 * the `transport` option forcing either.
 */
import { SWFClient } from '@aws-sdk/client-swf';
import { describe, expect, it, vi } from 'vitest';
import { chooseTransport, createSwfClient, type TransportChoice } from 'flowy-swf';
import '../fixtures/e2e/activities.js';
import { outcomeOf, scheduleActivities, startWorker, useEndpoint } from './helpers.js';

const suite = useEndpoint();

/** Operations a middleware on `client` saw, in order. */
function watch(client: SWFClient): string[] {
  const seen: string[] = [];
  client.middlewareStack.add(
    (next, context) => async (args) => {
      seen.push(String(context.commandName).replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: 'watchOperations' },
  );
  return seen;
}

async function runOneTask(client: Pick<SWFClient, 'send'>, transport?: TransportChoice): Promise<void> {
  const domain = await suite.env.newDomain();
  const w = await startWorker({ client, domain, taskList: 'e2e', ...(transport ? { transport } : {}) });
  try {
    const execution = await scheduleActivities(suite.env.client, domain, [{ activityId: 'a', name: 'e2e-echo', args: ['x'] }]);
    expect(await outcomeOf(suite.env.client, execution, 'a')).toMatchObject({ eventType: 'ActivityTaskCompleted', result: '["x"]' });
  } finally {
    await w.stop();
  }
}

describe('the worker’s path to SWF', () => {
  it('a plain createSwfClient client: the lean path for the hot calls, the SDK for registration', async () => {
    const client = createSwfClient({ endpoint: suite.env.swf.endpoint });
    const send = vi.spyOn(client, 'send');
    try {
      expect(chooseTransport(client).kind).toBe('lean');
      await runOneTask(client);
      const sent = send.mock.calls.map(([command]) => command.constructor.name);
      expect(sent.length).toBeGreaterThan(0);
      expect(sent.filter((name) => /ActivityTask/.test(name) && !/Register|Describe/.test(name))).toEqual([]);
    } finally {
      client.destroy();
    }
  });

  it("transport 'sdk' sends every call through the client", async () => {
    const client = createSwfClient({ endpoint: suite.env.swf.endpoint });
    const send = vi.spyOn(client, 'send');
    try {
      await runOneTask(client, 'sdk');
      const sent = new Set(send.mock.calls.map(([command]) => command.constructor.name));
      expect(sent.has('PollForActivityTaskCommand')).toBe(true);
      expect(sent.has('RespondActivityTaskCompletedCommand')).toBe(true);
    } finally {
      client.destroy();
    }
  });

  it('a client with the user’s middleware: every hot call goes through it, with cacheMiddleware on', async () => {
    const client = createSwfClient({ endpoint: suite.env.swf.endpoint });
    const seen = watch(client);
    try {
      expect(chooseTransport(client).kind).toBe('sdk');
      await runOneTask(client);
      expect(seen).toContain('PollForActivityTask');
      expect(seen).toContain('RespondActivityTaskCompleted');
      expect((client.config as { cacheMiddleware?: boolean }).cacheMiddleware).toBe(true);
    } finally {
      client.destroy();
    }
  });

  it("a user's own SWFClient goes through the SDK; transport 'lean' forces the lean path on it", async () => {
    const own = (): SWFClient => new SWFClient({ endpoint: suite.env.swf.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } });
    const viaSdk = own();
    const seenSdk = watch(viaSdk);
    const forced = own();
    const seenForced = watch(forced);
    try {
      await runOneTask(viaSdk);
      expect(seenSdk).toContain('PollForActivityTask');
      await runOneTask(forced, 'lean');
      expect(seenForced).not.toContain('PollForActivityTask');
      expect(seenForced).not.toContain('RespondActivityTaskCompleted');
      expect(seenForced).toContain('RegisterActivityType');
    } finally {
      viaSdk.destroy();
      forced.destroy();
    }
  });

  it('createSwfClient with a request handler or logger of the user’s is not plain', () => {
    const withHandler = createSwfClient({ endpoint: suite.env.swf.endpoint, config: { logger: console } });
    expect(chooseTransport(withHandler).kind).toBe('sdk');
    const withFips = createSwfClient({ endpoint: suite.env.swf.endpoint, config: { useFipsEndpoint: false } });
    expect(chooseTransport(withFips).kind).toBe('lean');
    withHandler.destroy();
    withFips.destroy();
  });

  it('an explicit cacheMiddleware: false on the user’s client is kept', () => {
    const client = new SWFClient({ region: 'us-east-1', cacheMiddleware: false });
    expect(chooseTransport(client, 'auto').kind).toBe('sdk');
    expect((client.config as { cacheMiddleware?: boolean }).cacheMiddleware).toBe(false);
    client.destroy();
  });

  it("transport 'lean' on something that is not an SWFClient, or an unknown choice, is a ConfigurationError", async () => {
    const fake = { send: async () => ({}) };
    expect(() => chooseTransport(fake as never, 'lean')).toThrow(/transport 'lean' needs an SWFClient/);
    const domain = await suite.env.newDomain();
    await expect(startWorker({ client: suite.env.client, domain, taskList: 'e2e', transport: 'fast' as never })).rejects.toThrow(
      /transport must be 'auto', 'lean' or 'sdk', got "fast"/,
    );
  });
});
