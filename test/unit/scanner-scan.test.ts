import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError } from '../../src/swf/errors.js';
import { ActivityRegistry, defaultRegistry, scan, ScanError, type ScanLogger } from '../../src/scanner/index.js';

const fixtures = fileURLToPath(new URL('../fixtures/scan/', import.meta.url));
const repo = fileURLToPath(new URL('../../', import.meta.url));
const basic = relative(repo, join(fixtures, 'basic'));

function recordingLogger(): ScanLogger & { lines: { obj: Record<string, unknown>; msg: string | undefined }[] } {
  const lines: { obj: Record<string, unknown>; msg: string | undefined }[] = [];
  return { lines, debug: (obj, msg) => lines.push({ obj: obj as Record<string, unknown>, msg }) };
}

function labels(definitions: readonly { name: string; version: string }[]): string[] {
  return definitions.map((d) => `${d.name} ${d.version}`);
}

async function scanError(promise: Promise<unknown>): Promise<ScanError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ScanError);
    return error as ScanError;
  }
  throw new Error('scan did not throw');
}

// Every test loads the fixtures afresh (as a new process would) into an empty default registry.
beforeEach(() => {
  vi.resetModules();
  defaultRegistry().clear();
});

describe('scan', () => {
  it('imports .ts, .mts and .js modules below a directory in path order and returns their activities sorted', async () => {
    const logger = recordingLogger();
    const found = await scan({ packages: [basic], ignore: ['**/*.skip.ts'], cwd: repo, logger });

    expect(labels(found)).toEqual(['scan-echo 1', 'scan-hidden 3', 'scan-sum 2']);
    const imported = logger.lines.filter((l) => l.msg?.startsWith('imported')).map((l) => relative(fixtures, String(l.obj.path)));
    expect(imported).toEqual(['basic/echo.ts', 'basic/helpers/shout.ts', 'basic/nested/hidden.mts', 'basic/sum.js']);

    const sum = found.find((d) => d.name === 'scan-sum');
    expect(sum?.defaults).toEqual({
      heartbeatTimeout: '10',
      scheduleToCloseTimeout: '420',
      scheduleToStartTimeout: '120',
      startToCloseTimeout: '60',
    });
    const Sum = sum?.activityClass as (new () => { run(a: number, b: number): number }) | undefined;
    expect(Sum && new Sum().run(2, 3)).toBe(5);
    const Echo = found.find((d) => d.name === 'scan-echo')?.activityClass as (new () => { run(v: string): string }) | undefined;
    expect(Echo && new Echo().run('hi')).toBe('HI');
    expect(found.find((d) => d.name === 'scan-hidden')?.defaults.scheduleToCloseTimeout).toBe('NONE');
    expect(labels(defaultRegistry().list())).toEqual(labels(found));
  });

  it('fills the registry it is given, and finds exported activities again in modules already loaded', async () => {
    const first = new ActivityRegistry();
    const second = new ActivityRegistry();
    await scan({ packages: [basic], ignore: ['**/*.skip.ts'], cwd: repo, registry: first });
    // Same process, modules cached: the decorators do not run again, the exports are still there.
    const again = await scan({ packages: [basic], ignore: ['**/*.skip.ts'], cwd: repo, registry: second });
    expect(labels(first.list())).toEqual(['scan-echo 1', 'scan-hidden 3', 'scan-sum 2']);
    expect(labels(again)).toEqual(['scan-echo 1', 'scan-sum 2']);
    expect(second.get('scan-echo', '1')?.activityClass).toBe(first.get('scan-echo', '1')?.activityClass);
  });

  it('imports what ignore leaves out when there is no ignore', async () => {
    const found = await scan({ packages: [basic], cwd: repo, registry: new ActivityRegistry() });
    expect(labels(found)).toContain('scan-left-out 1');
  });

  it('applies ignore globs relative to cwd, as well as ones starting with **', async () => {
    const found = await scan({
      packages: [basic],
      ignore: [`${basic}/sum.js`, '**/nested/**', '**/*.skip.ts'],
      cwd: repo,
      registry: new ActivityRegistry(),
    });
    expect(labels(found)).toEqual(['scan-echo 1']);
  });

  it('takes a glob, and a single file', async () => {
    const logger = recordingLogger();
    const registry = new ActivityRegistry();
    const found = await scan({ packages: [`${basic}/*.ts`, `${basic}/sum.js`], cwd: repo, registry, logger });
    expect(labels(found)).toEqual(['scan-echo 1', 'scan-left-out 1', 'scan-sum 2']);
    const imported = logger.lines.filter((l) => l.msg?.startsWith('imported')).map((l) => relative(fixtures, String(l.obj.path)));
    // The glob does not reach into sub-folders: shout.ts is imported by echo.ts, not by the scan.
    expect(imported).toEqual(['basic/echo.ts', 'basic/left-out.skip.ts', 'basic/sum.js']);
  });

  it('resolves entries against cwd, and follows a ".." the entry spells out', async () => {
    const found = await scan({
      packages: ['../basic/sum.js'],
      cwd: join(fixtures, 'broken'),
      registry: new ActivityRegistry(),
    });
    expect(labels(found)).toEqual(['scan-sum 2']);
  });

  it('takes a single string as packages', async () => {
    const found = await scan({ packages: `${basic}/sum.js`, cwd: repo, registry: new ActivityRegistry() });
    expect(labels(found)).toEqual(['scan-sum 2']);
  });

  it('reports every module that failed, with its path and cause, after trying them all', async () => {
    const registry = new ActivityRegistry();
    const error = await scanError(scan({ packages: ['test/fixtures/scan/broken'], cwd: repo, registry }));

    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.failures.map((f) => relative(fixtures, f.path))).toEqual(['broken/missing-import.js', 'broken/throws.ts']);
    expect(String(error.failures[1]?.cause)).toMatch(/boom while loading/);
    expect(error.message).toMatch(/^scan: 2 of 3 modules could not be imported:\n/);
    expect(error.message).toContain('test/fixtures/scan/broken/missing-import.js: ');
    expect(error.message).toMatch(/no-such-module\.js/);
    expect(error.message).toContain('test/fixtures/scan/broken/throws.ts: Error: boom while loading');
    expect(error.message).toMatch(/leave them out with --ignore <glob> \(the ignore option of scan\(\) and startActivityWorker\(\)\)/);
    // The good module between them was still imported.
    expect(labels(registry.list())).toEqual(['scan-good 1']);
  });

  it('reports a module that registers an activity type another module has, naming both classes', async () => {
    const error = await scanError(scan({ packages: ['test/fixtures/scan/duplicate'], cwd: repo }));
    expect(error.failures.map((f) => relative(fixtures, f.path))).toEqual(['duplicate/second.ts']);
    expect(error.message).toMatch(/duplicate\/second\.ts: ConfigurationError: activity type scan-dup 1 is registered twice: by class FirstDup and by class SecondDup/);
  });

  it('names every entry that matches nothing, before importing anything', async () => {
    const logger = recordingLogger();
    const error = await scanError(
      scan({
        packages: [basic, 'test/fixtures/scan/no-such-dir', 'test/fixtures/scan/**/*.nothing'],
        cwd: repo,
        logger,
      }),
    );
    expect(error.unmatched).toEqual(['test/fixtures/scan/no-such-dir', 'test/fixtures/scan/**/*.nothing']);
    expect(error.failures).toEqual([]);
    expect(error.message).toContain('"test/fixtures/scan/no-such-dir": no such file or directory, and not a glob');
    expect(error.message).toContain('"test/fixtures/scan/**/*.nothing": the glob matches no file');
    expect(error.message).toMatch(/^scan: 2 packages entries match no module to import/);
    expect(logger.lines.some((l) => l.msg?.startsWith('imported'))).toBe(false);
    expect(defaultRegistry().size).toBe(0);
  });

  it('treats an entry whose every file is ignored as matching nothing', async () => {
    const error = await scanError(scan({ packages: [`${basic}/sum.js`], ignore: ['**/*.js'], cwd: repo }));
    expect(error.unmatched).toEqual([`${basic}/sum.js`]);
    expect(error.message).toMatch(/the file is left out by ignore \(\*\*\/\*\.js\), or is a declaration file/);
  });

  it('rejects options that are not lists of strings', async () => {
    await expect(scan({ packages: [42] as unknown as string[] })).rejects.toThrow(TypeError);
    await expect(scan({ packages: ['x'], ignore: 'y' as unknown as string[] })).rejects.toThrow(/ignore must be a list of globs/);
  });

  it('returns what the registry has when packages is empty (activities defined in code already loaded)', async () => {
    const found = await scan({ packages: [], cwd: repo, registry: new ActivityRegistry() });
    expect(found).toEqual([]);
  });

  describe('in a directory', () => {
    let dir: string;
    const loaded: string[] = [];
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'flowy-swf-scan-test-'));
      (globalThis as { __flowyScanLoaded?: string[] }).__flowyScanLoaded = loaded;
      const mark = (name: string): string => `globalThis.__flowyScanLoaded.push(${JSON.stringify(name)});\n`;
      await mkdir(join(dir, 'node_modules', 'dep'), { recursive: true });
      await mkdir(join(dir, 'deep', 'node_modules', 'dep'), { recursive: true });
      await mkdir(join(dir, 'deep', 'er'), { recursive: true });
      await mkdir(join(dir, '.hidden'), { recursive: true });
      await writeFile(join(dir, 'a.mjs'), mark('a.mjs'));
      await writeFile(join(dir, 'b.cjs'), mark('b.cjs'));
      await writeFile(join(dir, 'deep', 'er', 'c.js'), mark('deep/er/c.js'));
      await writeFile(join(dir, 'deep', 'er', 'd.test.js'), mark('deep/er/d.test.js'));
      await writeFile(join(dir, 'notes.txt'), 'not a module');
      await writeFile(join(dir, 'types.d.ts'), "throw new Error('a declaration file was imported');\n");
      await writeFile(join(dir, 'node_modules', 'dep', 'index.js'), "throw new Error('node_modules was imported');\n");
      await writeFile(join(dir, 'deep', 'node_modules', 'dep', 'index.js'), "throw new Error('node_modules was imported');\n");
      await writeFile(join(dir, '.hidden', 'e.js'), "throw new Error('a dot folder was imported');\n");
    });
    afterAll(async () => {
      delete (globalThis as { __flowyScanLoaded?: string[] }).__flowyScanLoaded;
      await rm(dir, { recursive: true, force: true });
    });

    it('imports every module below it, test files included, but no declarations, node_modules or dot folders', async () => {
      loaded.length = 0;
      await scan({ packages: ['.'], cwd: dir, registry: new ActivityRegistry() });
      expect(loaded).toEqual(['a.mjs', 'b.cjs', 'deep/er/c.js', 'deep/er/d.test.js']);
    });
  });
});
