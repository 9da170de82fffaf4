import { SWFClient } from '@aws-sdk/client-swf';
import type { NodeHttpHandler, NodeHttpHandlerOptions } from '@smithy/node-http-handler';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSwfClient, isLoopbackEndpoint } from '../../src/swf/index.js';

// The AWS SDK's own provider chains read process.env; keep them from seeing this machine's settings.
const SDK_ENV = [
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_PROFILE',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_SWF',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
];

beforeEach(() => {
  for (const name of SDK_ENV) vi.stubEnv(name, undefined);
  vi.stubEnv('AWS_CONFIG_FILE', 'no-such-aws-config');
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', 'no-such-aws-credentials');
  vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
});

afterEach(() => {
  vi.unstubAllEnvs();
});

/** Puts keys where the SDK's default chain finds them (process.env), as a real deployment would. */
function keysInProcessEnv(): void {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDFROMENV');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret-from-env');
}

describe('createSwfClient', () => {
  it('returns an SWFClient', () => {
    expect(createSwfClient({}, { AWS_REGION: 'eu-west-1' })).toBeInstanceOf(SWFClient);
  });

  it('takes the region from AWS_REGION and leaves the endpoint to the SDK without AWS_ENDPOINT_URL_SWF', async () => {
    const client = createSwfClient({}, { AWS_REGION: 'eu-west-1' });
    expect(await client.config.region()).toBe('eu-west-1');
    expect(await client.config.endpoint?.()).toBeUndefined();
  });

  it('takes the endpoint from AWS_ENDPOINT_URL_SWF, with us-east-1 as the region when none is set', async () => {
    const client = createSwfClient({}, { AWS_ENDPOINT_URL_SWF: 'http://127.0.0.1:8080' });
    expect(await client.config.region()).toBe('us-east-1');
    expect(await client.config.endpoint?.()).toMatchObject({ protocol: 'http:', hostname: '127.0.0.1', port: 8080, path: '/' });
  });

  it('keeps AWS_REGION over the us-east-1 default when an endpoint is given', async () => {
    const client = createSwfClient({}, { AWS_ENDPOINT_URL_SWF: 'http://localhost:9000', AWS_REGION: 'ap-south-1' });
    expect(await client.config.region()).toBe('ap-south-1');
  });

  it('does not default the region without an endpoint: the SDK chain decides', async () => {
    vi.stubEnv('AWS_REGION', 'region-from-sdk-chain');
    const client = createSwfClient({}, {});
    expect(await client.config.region()).toBe('region-from-sdk-chain');
  });

  it('prefers explicit options over the environment', async () => {
    const client = createSwfClient(
      { region: 'eu-central-1', endpoint: 'https://swf.example.com', credentials: { accessKeyId: 'AKIDOPTION', secretAccessKey: 's' } },
      { AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL_SWF: 'http://127.0.0.1:1' },
    );
    expect(await client.config.region()).toBe('eu-central-1');
    expect(await client.config.endpoint?.()).toMatchObject({ protocol: 'https:', hostname: 'swf.example.com' });
    expect(await client.config.credentials()).toMatchObject({ accessKeyId: 'AKIDOPTION' });
  });

  it.each(['http://127.0.0.1:8080', 'http://localhost:4000', 'http://[::1]:4000'])(
    'uses dummy credentials for the loopback endpoint %s when the environment has none',
    async (endpoint) => {
      const client = createSwfClient({}, { AWS_ENDPOINT_URL_SWF: endpoint });
      expect(await client.config.credentials()).toMatchObject({ accessKeyId: 'local', secretAccessKey: 'local' });
    },
  );

  it('does not use dummy credentials when AWS_ACCESS_KEY_ID is set', async () => {
    keysInProcessEnv();
    const client = createSwfClient({}, { AWS_ENDPOINT_URL_SWF: 'http://127.0.0.1:8080', AWS_ACCESS_KEY_ID: 'AKIDFROMENV' });
    expect(await client.config.credentials()).toMatchObject({ accessKeyId: 'AKIDFROMENV', secretAccessKey: 'secret-from-env' });
  });

  it('does not use dummy credentials when AWS_PROFILE is set', async () => {
    keysInProcessEnv();
    const client = createSwfClient({}, { AWS_ENDPOINT_URL_SWF: 'http://127.0.0.1:8080', AWS_PROFILE: 'dev' });
    expect(await client.config.credentials()).toMatchObject({ accessKeyId: 'AKIDFROMENV' });
  });

  it('does not use dummy credentials for an endpoint that is not loopback', async () => {
    keysInProcessEnv();
    const client = createSwfClient({}, { AWS_ENDPOINT_URL_SWF: 'https://swf.example.com' });
    expect(await client.config.credentials()).toMatchObject({ accessKeyId: 'AKIDFROMENV' });
  });

  it('turns the SDK retries off: maxAttempts 1', async () => {
    const client = createSwfClient({}, { AWS_REGION: 'eu-west-1' });
    expect(await client.config.maxAttempts()).toBe(1);
  });

  it('waits long enough for a long poll: request and socket time-outs of 70 s, connection 5 s', async () => {
    const client = createSwfClient({}, { AWS_REGION: 'eu-west-1' });
    const handler = client.config.requestHandler as NodeHttpHandler;
    // The handler resolves its settings on its first request; read them where it keeps them until then.
    const settings = await (handler as unknown as { configProvider: Promise<NodeHttpHandlerOptions> }).configProvider;
    expect(settings).toMatchObject({ requestTimeout: 70_000, socketTimeout: 70_000, connectionTimeout: 5_000 });
  });

  it('applies config last, over its own settings', async () => {
    const client = createSwfClient({ config: { maxAttempts: 4 } }, { AWS_REGION: 'eu-west-1' });
    expect(await client.config.maxAttempts()).toBe(4);
  });
});

describe('isLoopbackEndpoint', () => {
  it.each(['http://localhost:8080', 'http://127.0.0.1', 'https://127.5.6.7:443/path', 'http://[::1]:9000'])('is true for %s', (url) => {
    expect(isLoopbackEndpoint(url)).toBe(true);
  });

  it.each(['https://swf.us-east-1.amazonaws.com', 'http://10.0.0.1:8080', 'http://128.0.0.1', 'http://localhost.example.com', 'not a url', ''])(
    'is false for %j',
    (url) => {
      expect(isLoopbackEndpoint(url)).toBe(false);
    },
  );
});
