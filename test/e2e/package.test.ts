/** What `npm pack` ships: what a user needs to run the library and its CLIs, and nothing else. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, root } from './built.js';

interface PackedFile {
  path: string;
}

const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as {
  bin: Record<string, string>;
  exports: Record<string, string | { types?: string; import?: string; require?: string }>;
  scripts: Record<string, string>;
};

/** Every path in package.json that must resolve inside the tarball. */
function declaredTargets(): string[] {
  const targets = Object.values(pkg.bin);
  for (const entry of Object.values(pkg.exports)) {
    if (typeof entry === 'string') targets.push(entry);
    else targets.push(...Object.values(entry).filter((v): v is string => typeof v === 'string'));
  }
  return targets.map((t) => t.replace(/^\.\//, ''));
}

describe('npm pack', () => {
  let files: string[];
  beforeAll(() => {
    ensureBuilt();
    // --ignore-scripts: prepack would rebuild dist/ under the feet of the other test files.
    const out = execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: root,
      encoding: 'utf8',
    });
    files = (JSON.parse(out) as { files: PackedFile[] }[])[0]!.files.map((f) => f.path).sort();
  }, 60_000);

  it('holds every bin and export target, the docs, LICENSE and CHANGELOG', () => {
    for (const target of declaredTargets()) expect(files, target).toContain(target);
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'CHANGELOG.md', 'README.md', 'package.json', 'docs/testing.md', 'dist/src/testing/index.js']));
    // `flowy-swf demo` loads the example activities and decider from dist/examples.
    expect(files).toEqual(expect.arrayContaining(['dist/examples/demo.js', 'dist/examples/activities/math.js']));
  });

  it('holds no source maps (their sources are not shipped), no benchmarks, no tests, no sources', () => {
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files.filter((f) => /^(dist\/)?(bench|test)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('dist/examples/') && f.endsWith('.d.ts'))).toEqual([]);
    // Everything else is code and types users run, the docs, and the Python helper programs import.
    const shipped = /^(dist\/src\/.+\.(js|d\.ts)|dist\/bin\/[^/]+\.js|dist\/examples\/.+\.js|docs\/[^/]+\.md|python\/[^/]+\.py|README\.md|CHANGELOG\.md|LICENSE|package\.json)$/;
    expect(files.filter((f) => !shipped.test(f))).toEqual([]);
    expect(files).toContain('python/flowy_swf_task.py');
  });

  it('builds from clean before packing, so a fresh clone packs working bins', () => {
    expect(pkg.scripts.prepack).toMatch(/rmSync\('dist'.*&& npm run build$/);
  });
});
