import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addWorkerOptions, workerOptions, type WorkerFlags } from '../../src/cli/index.js';

function parse(args: string[]): WorkerFlags {
  const command = addWorkerOptions(new Command('w').exitOverride().configureOutput({ writeErr: () => {} }));
  command.parse(['node', 'w', '--domain', 'd', '--task-list', 't', ...args]);
  return command.opts<WorkerFlags>();
}

describe('--transport', () => {
  it('passes the path to the worker', () => {
    expect(workerOptions(parse(['--transport', 'sdk'])).transport).toBe('sdk');
    expect(workerOptions(parse(['--transport', 'lean'])).transport).toBe('lean');
  });

  it('is left to the worker (auto) when not given', () => {
    expect('transport' in workerOptions(parse([]))).toBe(false);
  });

  it('refuses anything but auto, lean and sdk, naming the choices', () => {
    expect(() => parse(['--transport', 'fast'])).toThrow(/Allowed choices are auto, lean, sdk/);
  });
});
