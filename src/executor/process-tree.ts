/**
 * Process trees: find a process's descendants (Linux: /proc), signal a whole tree, read resident memory.
 * Descendants are gathered before signalling, since a killed parent's children are re-parented and
 * can no longer be found through it.
 */
import { readdirSync, readFileSync } from 'node:fs';

const PAGE_BYTES = 4096;

interface ProcStat {
  pid: number;
  ppid: number;
  pgid: number;
  state: string;
}

/** @internal One process's /proc/<pid>/stat, or `undefined` when it is gone or /proc is missing. */
export function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces and parentheses: parse after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, state: fields[0] ?? '?', ppid: Number(fields[1]), pgid: Number(fields[2]) };
  } catch {
    return undefined;
  }
}

/** @internal Every process of this machine that /proc shows (empty without /proc). */
export function allProcesses(): ProcStat[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: ProcStat[] = [];
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat) out.push(stat);
  }
  return out;
}

/** The pids of `pid`'s descendants (children, grandchildren...) and of its process group, `pid` excluded. */
export function descendants(pid: number): number[] {
  const all = allProcesses();
  const children = new Map<number, number[]>();
  for (const p of all) {
    const list = children.get(p.ppid);
    if (list) list.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const found = new Set<number>();
  const stack = [pid];
  while (stack.length > 0) {
    const next = stack.pop()!;
    for (const child of children.get(next) ?? []) {
      if (!found.has(child)) {
        found.add(child);
        stack.push(child);
      }
    }
  }
  for (const p of all) if (p.pgid === pid && p.pid !== pid) found.add(p.pid);
  return [...found];
}

/** Whether a process exists (and is not a zombie waiting to be reaped). */
export function isRunning(pid: number): boolean {
  const stat = readStat(pid);
  if (stat) return stat.state !== 'Z' && stat.state !== 'X';
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Sends `signal` to `pid`'s process group (a child spawned `detached` leads its own), to `pid`, and to
 * every descendant in `known` and found now. Returns every pid signalled, for a later, harder signal.
 */
export function signalTree(pid: number, signal: NodeJS.Signals, known: Iterable<number> = []): number[] {
  const targets = new Set<number>([...known, ...descendants(pid)]);
  try {
    process.kill(-pid, signal);
  } catch {
    // not a group leader, or the group is gone
  }
  for (const target of [pid, ...targets]) {
    try {
      process.kill(target, signal);
    } catch {
      // already gone
    }
  }
  return [pid, ...targets];
}

/** A stop of a process tree under way: see {@link stopTree}. */
export interface TreeStop {
  /** Every pid SIGTERM went to (`known` alone when SIGTERM was skipped). */
  readonly signalled: number[];
  /** Once the grace is over: every pid SIGKILL went to, or `undefined` when nothing was left to kill. */
  readonly killed: Promise<number[] | undefined>;
}

/**
 * Stops `pid`'s process tree: SIGTERM now, then SIGKILL to whatever of it still runs once the promise
 * `grace()` returns settles (`grace` is called after SIGTERM went out). What still runs is looked for among
 * the pids SIGTERM went to, since a killed parent's children are re-parented and can no longer be found
 * through it. `sigterm: false` skips the SIGTERM (the process is already gone and its pid may be reused);
 * `killAnyway()` true sends the SIGKILL even when none of those pids runs.
 */
export function stopTree(
  pid: number,
  grace: () => PromiseLike<unknown>,
  options: { known?: readonly number[]; sigterm?: boolean; killAnyway?: () => boolean } = {},
): TreeStop {
  const known = options.known ?? [];
  const signalled = options.sigterm === false ? [...known] : signalTree(pid, 'SIGTERM', known);
  const kill = (): number[] | undefined => {
    const left = signalled.filter((p) => isRunning(p));
    return left.length > 0 || options.killAnyway?.() === true ? signalTree(pid, 'SIGKILL', left) : undefined;
  };
  return { signalled, killed: Promise.resolve(grace()).then(kill, kill) };
}

/** Resident memory of `pid` in bytes (Linux: /proc/<pid>/statm), or `undefined` when unknown. */
export function residentBytes(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ');
    const pages = Number(fields[1]);
    return Number.isFinite(pages) ? pages * PAGE_BYTES : undefined;
  } catch {
    return undefined;
  }
}
