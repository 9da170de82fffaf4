/**
 * Process trees: find a process's descendants (Linux: /proc), signal a whole tree, read resident memory.
 * Descendants are gathered before signalling, since a killed parent's children are re-parented and
 * can no longer be found through it. A process is known by its pid and its start time, so that a
 * harder signal sent later never reaches another process that has since been given a reused pid.
 */
import { readdirSync, readFileSync } from 'node:fs';

const PAGE_BYTES = 4096;

interface ProcStat {
  pid: number;
  ppid: number;
  pgid: number;
  state: string;
  /** Clock ticks after boot when the process started: with the pid, which process this is. */
  startTime: number;
}

/**
 * @internal A process as it was seen: its pid and start time (`undefined` without /proc, where a pid is
 * all there is to go by).
 */
export interface ProcessRef {
  readonly pid: number;
  readonly startTime: number | undefined;
}

/** @internal One process's /proc/<pid>/stat, or `undefined` when it is gone or /proc is missing. */
export function readStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces and parentheses: parse after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { pid, state: fields[0] ?? '?', ppid: Number(fields[1]), pgid: Number(fields[2]), startTime: Number(fields[19]) };
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
  return treeOf([pid], pid, allProcesses()).filter((p) => p !== pid);
}

/**
 * `roots` and every descendant of them in `all`, and (when `group` is given) every member of process
 * group `group`: pids, each once, roots first.
 */
function treeOf(roots: readonly number[], group: number | undefined, all: readonly ProcStat[]): number[] {
  const children = new Map<number, number[]>();
  for (const p of all) {
    const list = children.get(p.ppid);
    if (list) list.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const found = new Set<number>(roots);
  const stack = [...roots];
  while (stack.length > 0) {
    const next = stack.pop()!;
    for (const child of children.get(next) ?? []) {
      if (!found.has(child)) {
        found.add(child);
        stack.push(child);
      }
    }
  }
  if (group !== undefined) for (const p of all) if (p.pgid === group) found.add(p.pid);
  return [...found];
}

/** Whether `stat` shows a live process, not a zombie waiting to be reaped. */
function alive(stat: ProcStat): boolean {
  return stat.state !== 'Z' && stat.state !== 'X';
}

/** Whether a process exists (and is not a zombie waiting to be reaped). */
export function isRunning(pid: number): boolean {
  const stat = readStat(pid);
  if (stat) return alive(stat);
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** @internal `pid` as it is now: its start time read from /proc (`undefined` when gone or without /proc). */
export function processRef(pid: number): ProcessRef {
  return { pid, startTime: readStat(pid)?.startTime };
}

/**
 * Whether `ref` still names the process it was taken from: running, and (where /proc tells) started at
 * the same moment, so not a new process that has been given the pid since.
 */
export function isSameProcess(ref: ProcessRef): boolean {
  return sameProcess(ref, readStat(ref.pid));
}

/** {@link isSameProcess} against `stat`, the process's /proc entry as read (`undefined`: none). */
function sameProcess(ref: ProcessRef, stat: ProcStat | undefined): boolean {
  if (!stat) return ref.startTime === undefined && isRunning(ref.pid);
  return alive(stat) && (ref.startTime === undefined || stat.startTime === ref.startTime);
}

/**
 * Sends `signal` to `root`'s process tree: its process group (a child spawned `detached` leads its own),
 * `root` itself, every process in `known`, and the descendants found now of all of them. A process in
 * `known` or `root` whose pid now names another process (it exited and the pid was reused) is left
 * alone, and so are its "descendants"; the group too, once its pid names another process. A `root`
 * given as a bare pid is taken to be the caller's own unreaped child. Returns every process signalled,
 * for a later, harder signal.
 */
export function signalTree(root: number | ProcessRef, signal: NodeJS.Signals, known: Iterable<ProcessRef> = []): ProcessRef[] {
  const all = allProcesses();
  const stats = new Map(all.map((p) => [p.pid, p]));
  const rootRef: ProcessRef = typeof root === 'number' ? { pid: root, startTime: stats.get(root)?.startTime } : root;
  const rootStat = stats.get(rootRef.pid);
  // Ours unless its pid now names a process that started at another moment: it exited and the pid was
  // reused. Gone, or a zombie not yet reaped, it is still ours, and so is its group.
  const rootIsOurs = rootStat === undefined || rootRef.startTime === undefined || rootStat.startTime === rootRef.startTime;
  const seeds = [...known].filter((ref) => ref.pid !== rootRef.pid && sameProcess(ref, stats.get(ref.pid))).map((ref) => ref.pid);
  if (rootIsOurs) seeds.unshift(rootRef.pid);
  const targets = treeOf(seeds, rootIsOurs ? rootRef.pid : undefined, all);
  if (rootIsOurs) {
    try {
      process.kill(-rootRef.pid, signal);
    } catch {
      // not a group leader, or the group is gone
    }
  }
  for (const target of targets) {
    try {
      process.kill(target, signal);
    } catch {
      // already gone
    }
  }
  // The root as it was given: gone by now, /proc no longer has its start time, and a later harder signal needs it.
  return targets.map((pid) => (pid === rootRef.pid ? rootRef : { pid, startTime: stats.get(pid)?.startTime }));
}

/** A stop of a process tree under way: see {@link stopTree}. */
export interface TreeStop {
  /** Every process SIGTERM went to (`known` alone when SIGTERM was skipped). */
  readonly signalled: ProcessRef[];
  /** Once the grace is over: every process SIGKILL went to, or `undefined` when nothing was left to kill. */
  readonly killed: Promise<ProcessRef[] | undefined>;
}

/**
 * Stops `root`'s process tree: SIGTERM now, then SIGKILL to whatever of it still runs once the promise
 * `grace()` returns settles (`grace` is called after SIGTERM went out). What still runs is looked for among
 * the processes SIGTERM went to, since a killed parent's children are re-parented and can no longer be
 * found through it; a pid that names another process by then is left alone. `sigterm: false` skips the
 * SIGTERM (the process is already gone); `killAnyway()` true sends the SIGKILL even when none of those
 * processes runs.
 */
export function stopTree(
  root: ProcessRef,
  grace: () => PromiseLike<unknown>,
  options: { known?: readonly ProcessRef[]; sigterm?: boolean; killAnyway?: () => boolean } = {},
): TreeStop {
  const known = options.known ?? [];
  const signalled = options.sigterm === false ? [...known] : signalTree(root, 'SIGTERM', known);
  const kill = (): ProcessRef[] | undefined => {
    const left = signalled.filter((ref) => isSameProcess(ref));
    return left.length > 0 || options.killAnyway?.() === true ? signalTree(root, 'SIGKILL', left) : undefined;
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
