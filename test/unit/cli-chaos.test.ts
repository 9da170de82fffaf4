import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseChaos } from '../../src/cli/local-command.js';

describe('flowy-swf local --chaos', () => {
  it('parses every key into the chaos options of startLocalSwf', () => {
    expect(parseChaos('seed=42,error=0.05,throttle=0.1,reset=0.02,latency=15,when=both')).toEqual({
      seed: 42,
      errorRate: 0.05,
      throttleRate: 0.1,
      resetRate: 0.02,
      latencyMs: 15,
      when: 'both',
    });
  });

  it('picks a seed when none is given, so the run can still be reproduced from what it prints', () => {
    const chaos = parseChaos('error=0.1');
    expect(chaos.errorRate).toBe(0.1);
    expect(Number.isInteger(chaos.seed)).toBe(true);
  });

  it.each([
    ['flavour=1', /unknown chaos key "flavour"/],
    ['error=1.5', /a rate is a share from 0 to 1/],
    ['error=-1', /at least 0/],
    ['latency=abc', /expected a number/],
    ['when=sometimes', /use before, after or both/],
  ])('rejects %s with a message that says how to fix it', (spec, message) => {
    expect(() => parseChaos(spec)).toThrow(InvalidArgumentError);
    expect(() => parseChaos(spec)).toThrow(message);
  });
});
