import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { descendants, isRunning, isSameProcess, processRef, readStat, signalTree, stopTree, type ProcessRef } from '../../src/executor/process-tree.js';

const started: ChildProcess[] = [];

/** A shell that runs `sleep 30` in the background and waits: a process with one child. */
function shellWithChild(options: { detached?: boolean } = {}): ChildProcess {
  const proc = spawn('sh', ['-c', 'sleep 30 & wait'], { stdio: 'ignore', detached: options.detached ?? false });
  started.push(proc);
  return proc;
}

async function until(what: () => boolean, ms = 5_000): Promise<void> {
  for (const end = Date.now() + ms; !what(); ) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(20);
  }
}

/** `ref` as if taken from an earlier process that had the same pid: the start time is another one. */
function stale(ref: ProcessRef): ProcessRef {
  return { pid: ref.pid, startTime: (ref.startTime ?? 0) - 1 };
}

afterEach(() => {
  for (const proc of started.splice(0)) {
    if (proc.pid === undefined) continue;
    for (const pid of [...descendants(proc.pid), proc.pid]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
});

describe.runIf(existsSync('/proc/self/stat'))('process trees', () => {
  it('finds a process and its child through /proc, with its start time', async () => {
    const shell = shellWithChild();
    await until(() => descendants(shell.pid!).length === 1);
    const ref = processRef(shell.pid!);
    expect(ref.startTime).toBe(readStat(shell.pid!)?.startTime);
    expect(Number.isInteger(ref.startTime)).toBe(true);
    expect(isSameProcess(ref)).toBe(true);
    expect(isSameProcess(stale(ref))).toBe(false);
  });

  it('signals a root and its descendants, and returns each with its start time', async () => {
    const shell = shellWithChild({ detached: true });
    await until(() => descendants(shell.pid!).length === 1);
    const grandchild = descendants(shell.pid!)[0]!;
    const signalled = signalTree(processRef(shell.pid!), 'SIGKILL');
    expect(signalled.map((r) => r.pid).sort()).toEqual([shell.pid!, grandchild].sort());
    expect(signalled.every((r) => Number.isInteger(r.startTime))).toBe(true);
    await until(() => !isRunning(grandchild) && !isRunning(shell.pid!));
  });

  it('returns a root that is gone already with the start time it was given, so a later signal can tell a reused pid', async () => {
    const proc = spawn('sh', ['-c', 'exit 0'], { stdio: 'ignore' });
    started.push(proc);
    // Taken at once: until Node reaps it, the process is there (running, or a zombie) with its start time.
    const ref = processRef(proc.pid!);
    expect(Number.isInteger(ref.startTime)).toBe(true);
    await new Promise((resolve) => proc.once('exit', resolve));
    await until(() => readStat(ref.pid) === undefined); // reaped
    const signalled = signalTree(ref, 'SIGTERM');
    expect(signalled).toEqual([ref]);
    expect(isSameProcess(stale(signalled[0]!))).toBe(false);
  });

  it('leaves alone a root whose pid now names another process, with its descendants and group', async () => {
    // The "other process": what a reused pid would name. It leads its own group and has a child.
    const other = shellWithChild({ detached: true });
    await until(() => descendants(other.pid!).length === 1);
    const itsChild = descendants(other.pid!)[0]!;
    const signalled = signalTree(stale(processRef(other.pid!)), 'SIGKILL');
    expect(signalled).toEqual([]);
    await sleep(100);
    expect(isRunning(other.pid!)).toBe(true);
    expect(isRunning(itsChild)).toBe(true);
  });

  it('does not SIGKILL, after the grace, a known process whose pid was reused meanwhile', async () => {
    const root = shellWithChild({ detached: true });
    const other = shellWithChild();
    await until(() => descendants(root.pid!).length === 1 && descendants(other.pid!).length === 1);
    const rootChild = descendants(root.pid!)[0]!;
    // SIGTERM is skipped (as for a child already gone); what it "went to" is the stale record of a pid
    // that now names `other`. After the grace only the root's own tree may be killed.
    const stop = stopTree(processRef(root.pid!), () => Promise.resolve(), {
      sigterm: false,
      known: [stale(processRef(other.pid!))],
      killAnyway: () => true,
    });
    const killed = await stop.killed;
    expect(killed?.map((r) => r.pid).sort()).toEqual([root.pid!, rootChild].sort());
    await until(() => !isRunning(rootChild));
    await sleep(100);
    expect(isRunning(other.pid!)).toBe(true);
  });

  it('SIGTERMs the tree, then SIGKILLs what ignored it once the grace is over', async () => {
    // A shell that ignores SIGTERM, with a child that ignores it too.
    const stubborn = spawn('sh', ['-c', "trap '' TERM; sh -c \"trap '' TERM; sleep 30\" & wait"], { stdio: 'ignore', detached: true });
    started.push(stubborn);
    await until(() => descendants(stubborn.pid!).length >= 1);
    const tree = [stubborn.pid!, ...descendants(stubborn.pid!)];
    let endGrace!: () => void;
    const stop = stopTree(processRef(stubborn.pid!), () => new Promise<void>((resolve) => (endGrace = resolve)));
    expect(stop.signalled.map((r) => r.pid).sort()).toEqual([...tree].sort());
    await sleep(200);
    expect(tree.every((pid) => isRunning(pid))).toBe(true);
    endGrace();
    expect((await stop.killed)?.length).toBeGreaterThan(0);
    await until(() => tree.every((pid) => !isRunning(pid)));
  });
});
