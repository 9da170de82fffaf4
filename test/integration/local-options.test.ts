/** startLocalSwf refuses bad limits before it binds a port, naming the option, the value and the bound. */
import { describe, expect, it } from 'vitest';
import { startLocalSwf, type LocalSwfOptions } from '../../src/local/index.js';

describe('startLocalSwf option checks', () => {
  it.each<[keyof LocalSwfOptions, number, string]>([
    ['maxOpenActivitiesPerExecution', 0, 'at least 1'],
    ['maxOpenActivitiesPerExecution', 1.5, 'at least 1'],
    ['maxDomains', 0, 'at least 1'],
    ['maxDomains', Number.NaN, 'at least 1'],
    ['maxConnections', 0, 'at least 1'],
    ['headersTimeoutMs', 2.5, 'at least 1'],
    ['maxHistoryEvents', 2, 'at least 3'],
    ['maxClosedExecutions', -1, 'at least 0'],
  ])('%s: %s is refused', async (name, value, bound) => {
    await expect(startLocalSwf({ [name]: value })).rejects.toThrow(new TypeError(`${name} is ${value}; it must be a whole number of ${bound}`));
  });

  it('refuses a requestTimeoutMs shorter than headersTimeoutMs', async () => {
    await expect(startLocalSwf({ headersTimeoutMs: 5_000, requestTimeoutMs: 1_000 })).rejects.toThrow(/requestTimeoutMs is 1000 and headersTimeoutMs 5000/);
  });
});
