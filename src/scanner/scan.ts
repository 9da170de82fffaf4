import { relative, resolve } from 'node:path';
import { ConfigurationError } from '../swf/errors.js';
import { definitionsOf } from './decorator.js';
import { discover, MODULE_EXTENSIONS, type EntryMatch } from './discover.js';
import { ModuleLoader, nodeLoaderHooks, type LoaderHooks, type ScanLogger } from './loader.js';
import { compareDefinitions, defaultRegistry, typeLabel, type ActivityRegistry } from './registry.js';
import type { ActivityDefinition } from './types.js';

/** Options of {@link scan}. */
export interface ScanOptions {
  /**
   * What to import: files, directories and globs, relative to `cwd` or absolute. A directory means every
   * `.ts` `.js` `.mts` `.mjs` `.cts` `.cjs` module below it, except `*.d.ts` and anything in `node_modules`
   * (test files are not left out: use `ignore`). An entry that matches no file is an error.
   */
  packages: string | readonly string[];
  /**
   * Globs of files not to import, relative to `cwd`; start one with `**` to match at any depth, e.g.
   * `'**\/*.test.ts'`. @default []
   */
  ignore?: readonly string[];
  /** The folder relative entries and globs start from. @default process.cwd() */
  cwd?: string;
  /** Where the activities found go. @default defaultRegistry() */
  registry?: ActivityRegistry;
  /** Told, at debug level, what was matched, imported and skipped. @default none: scan logs nothing */
  logger?: ScanLogger;
}

/** A module {@link scan} could not import, and why. */
export interface ScanFailure {
  /** Absolute path of the module. */
  readonly path: string;
  /** What `import()` (or registering its activities) threw. */
  readonly cause: unknown;
}

/**
 * {@link scan} could not do all it was asked: some `packages` entries match no file, or some modules
 * failed to import. It is thrown after every module was tried, and lists them all.
 */
export class ScanError extends ConfigurationError {
  override name = 'ScanError';
  /** Every module that failed to import, with its cause, in import order. */
  readonly failures: readonly ScanFailure[];
  /** Every `packages` entry that matched no file. */
  readonly unmatched: readonly string[];

  constructor(message: string, failures: readonly ScanFailure[], unmatched: readonly string[] = []) {
    super(message, failures[0] ? { cause: failures[0].cause } : undefined);
    this.failures = failures;
    this.unmatched = unmatched;
  }
}

/**
 * Finds activity implementations: imports every module `packages` names, in sorted path order, and
 * returns the activities of the registry, sorted by name and version. Flowy's venusian scan.
 *
 * Activities are what `@activity` decorated while the modules loaded, plus decorated classes the
 * modules export (so a second scan of modules Node has cached still finds them). TypeScript files load
 * under plain Node too: when the process cannot import TypeScript on its own, tsx's hooks are registered
 * once. Only files inside the folders the entries name are imported; a glob may reach outside `cwd`
 * when it says so itself (`'../shared/activities/*.ts'`).
 *
 * @throws ScanError naming every entry that matches no file (before importing anything), or every module
 *   that failed to import, with its path and cause (after trying them all).
 */
export function scan(options: ScanOptions): Promise<ActivityDefinition[]> {
  return scanWith(options, nodeLoaderHooks);
}

/** @internal {@link scan} with its module loading replaced, for tests. */
export async function scanWith(options: ScanOptions, hooks: LoaderHooks): Promise<ActivityDefinition[]> {
  const { packages, ignore, cwd } = checkOptions(options);
  const logger = options.logger;
  const registry = options.registry ?? defaultRegistry();
  const matches = await discover(packages, cwd, ignore, logger);

  const unmatched = matches.filter((m) => m.files.length === 0);
  if (unmatched.length > 0) {
    throw new ScanError(unmatchedMessage(unmatched, cwd, ignore), [], unmatched.map((m) => m.entry));
  }

  const files = [...new Set(matches.flatMap((m) => m.files))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const loader = new ModuleLoader(hooks, logger);
  const failures: ScanFailure[] = [];
  for (const path of files) {
    try {
      const found = await loadActivities(loader, path, registry);
      for (const definition of found) registry.register(definition.file ? definition : Object.freeze({ ...definition, file: path }));
      logger?.debug({ path, activities: found.map(typeLabel) }, found.length > 0 ? 'imported' : 'imported: no activities in it');
    } catch (cause) {
      failures.push({ path, cause });
      logger?.debug({ path, err: cause }, 'failed to import');
    }
  }
  if (failures.length > 0) throw new ScanError(failuresMessage(failures, files.length, cwd), failures);
  return registry.list();
}

/**
 * Imports one module and returns the activities it brought: decorated classes it exports, and what the
 * decorator added to the default registry while the module loaded (classes that are not exported).
 */
async function loadActivities(loader: ModuleLoader, path: string, registry: ActivityRegistry): Promise<ActivityDefinition[]> {
  const shared = defaultRegistry();
  const before = new Set(shared.list());
  const namespace = await loader.load(path);
  const found = new Set<ActivityDefinition>();
  for (const value of exportedValues(namespace)) for (const definition of definitionsOf(value)) found.add(definition);
  for (const definition of shared.list()) if (!before.has(definition)) found.add(definition);
  return [...found].sort(compareDefinitions);
}

/** A module's exports, and for a CommonJS `module.exports = { ... }` the properties of that object too. */
function exportedValues(namespace: unknown): unknown[] {
  if (namespace === null || typeof namespace !== 'object') return [];
  const values = Object.values(namespace as Record<string, unknown>);
  const fallback = (namespace as { default?: unknown }).default;
  if (fallback !== null && typeof fallback === 'object') values.push(...Object.values(fallback as Record<string, unknown>));
  return values;
}

function checkOptions(options: ScanOptions): { packages: string[]; ignore: string[]; cwd: string } {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`scan() takes an options object such as { packages: ['src/activities'] }`);
  }
  const packages = typeof options.packages === 'string' ? [options.packages] : options.packages;
  if (!Array.isArray(packages) || packages.some((p) => typeof p !== 'string' || p.length === 0)) {
    throw new TypeError(
      `scan(): packages must be a list of files, directories or globs (non-empty strings), such as ['src/activities']`,
    );
  }
  const ignore = options.ignore ?? [];
  if (!Array.isArray(ignore) || ignore.some((p) => typeof p !== 'string' || p.length === 0)) {
    throw new TypeError(`scan(): ignore must be a list of globs (non-empty strings), such as ['**/*.test.ts']`);
  }
  if (options.cwd !== undefined && (typeof options.cwd !== 'string' || options.cwd.length === 0)) {
    throw new TypeError(`scan(): cwd must be a directory path`);
  }
  return { packages: [...packages], ignore: [...ignore], cwd: resolve(options.cwd ?? process.cwd()) };
}

function shown(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel === '' ? '.' : rel;
}

function unmatchedMessage(unmatched: readonly EntryMatch[], cwd: string, ignore: readonly string[]): string {
  const why = (m: EntryMatch): string => {
    const ignored = ignore.length > 0 ? ` or ignore (${ignore.join(', ')}) leaves out all of them` : '';
    switch (m.kind) {
      case 'missing':
        return 'no such file or directory, and not a glob';
      case 'file':
        return ignore.length > 0
          ? `the file is left out by ignore (${ignore.join(', ')}), or is a declaration file`
          : 'the file is a declaration file (*.d.ts), which has no code to import';
      case 'directory':
        return `the directory holds no ${MODULE_EXTENSIONS.map((e) => `.${e}`).join(' ')} modules outside node_modules${ignored}`;
      case 'glob':
        return `the glob matches no file${ignored}`;
    }
  };
  const lines = unmatched.map((m) => `  ${JSON.stringify(m.entry)}: ${why(m)}`);
  const count = unmatched.length === 1 ? '1 packages entry matches' : `${unmatched.length} packages entries match`;
  return (
    `scan: ${count} no module to import:\n${lines.join('\n')}\n` +
    `Entries are files, directories or globs relative to ${cwd}: fix or remove them.`
  );
}

function failuresMessage(failures: readonly ScanFailure[], total: number, cwd: string): string {
  const lines = failures.map(({ path, cause }) => `  ${shown(path, cwd)}: ${describeCause(cause).replaceAll('\n', '\n    ')}`);
  return (
    `scan: ${failures.length} of ${total} modules could not be imported:\n${lines.join('\n')}\n` +
    `Fix them, or leave them out with --ignore <glob> (the ignore option of scan() and startActivityWorker()).`
  );
}

function describeCause(cause: unknown): string {
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    const text = `${cause.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${cause.message}`;
    return cause.cause !== undefined ? `${text} (caused by ${describeCause(cause.cause)})` : text;
  }
  return String(cause);
}
