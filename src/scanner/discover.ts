/** File discovery for the scanner: `packages` entries (files, directories, globs) to sorted absolute paths. */
import { stat } from 'node:fs/promises';
import { isAbsolute, parse, posix, relative, resolve } from 'node:path';
import fg from 'fast-glob';
import type { ScanLogger } from './loader.js';

/** @internal The extensions a directory entry stands for. */
export const MODULE_EXTENSIONS = ['ts', 'js', 'mts', 'mjs', 'cts', 'cjs'] as const;

const DECLARATIONS = '**/*.d.{ts,mts,cts}';

/** @internal What one `packages` entry turned out to be. */
export interface EntryMatch {
  readonly entry: string;
  readonly kind: 'file' | 'directory' | 'glob' | 'missing';
  /** The folder (or file) every match must lie in. */
  readonly base: string;
  readonly files: readonly string[];
}

/** @internal Turns a path (absolute, or relative to `cwd`) into a fast-glob pattern: absolute, `/` separated, special characters escaped. */
function pathPattern(path: string): string {
  return fg.convertPathToPattern(path);
}

/**
 * @internal Makes a user's glob absolute so it matches the same files whatever the entry: relative to
 * `cwd`, except that a leading `**` matches at any depth anywhere (even outside `cwd`).
 */
export function absoluteGlob(pattern: string, cwd: string): string {
  if (isAbsolute(pattern)) return pattern.replaceAll('\\', '/');
  if (pattern.startsWith('**')) return `${pathPattern(parse(cwd).root)}${pattern}`.replace(/^\/\//, '/');
  return posix.normalize(`${pathPattern(cwd)}/${pattern}`);
}

function isInside(base: string, file: string): boolean {
  const rel = relative(base, file);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

async function kindOf(path: string): Promise<'file' | 'directory' | undefined> {
  try {
    const s = await stat(path);
    if (s.isFile()) return 'file';
    if (s.isDirectory()) return 'directory';
    return undefined;
  } catch {
    return undefined;
  }
}

/**
 * @internal Expands every entry. A file is taken as given (ignore patterns aside); a directory means
 * every module below it except declarations and `node_modules`; anything else that looks like a glob
 * is one, relative to `cwd`. Matches outside an entry's base are dropped and logged.
 */
export async function discover(
  entries: readonly string[],
  cwd: string,
  ignore: readonly string[],
  logger?: ScanLogger,
): Promise<EntryMatch[]> {
  const userIgnore = ignore.map((p) => absoluteGlob(p, cwd));
  const matches: EntryMatch[] = [];
  for (const entry of entries) {
    const abs = resolve(cwd, entry);
    const kind = await kindOf(abs);
    let pattern: string;
    let base: string;
    let matchKind: EntryMatch['kind'];
    if (kind === 'file') {
      pattern = pathPattern(abs);
      base = abs;
      matchKind = 'file';
    } else if (kind === 'directory') {
      base = abs;
      pattern = `${pathPattern(abs)}/**/*.{${MODULE_EXTENSIONS.join(',')}}`;
      matchKind = 'directory';
    } else if (fg.isDynamicPattern(entry)) {
      const task = fg.generateTasks([entry], { cwd })[0];
      base = resolve(cwd, task?.base ?? '.');
      pattern = absoluteGlob(entry, cwd);
      matchKind = 'glob';
    } else {
      matches.push({ entry, kind: 'missing', base: abs, files: [] });
      continue;
    }
    const found = await fg(pattern, {
      absolute: true,
      onlyFiles: true,
      unique: true,
      ignore: [...userIgnore, `${pathPattern(base)}/**/node_modules/**`, absoluteGlob(DECLARATIONS, cwd)],
    });
    const files: string[] = [];
    for (const file of found) {
      const path = resolve(file);
      if (isInside(base, path)) files.push(path);
      else logger?.debug({ path, entry, base }, 'skipped: outside the folder the entry names');
    }
    files.sort(comparePaths);
    logger?.debug({ entry, kind: matchKind, files: files.length }, 'scan entry matched');
    matches.push({ entry, kind: matchKind, base, files });
  }
  return matches;
}

/** @internal Sorts paths by code unit, so the import order is the same on every machine. */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
