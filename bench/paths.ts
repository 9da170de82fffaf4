import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository root: the nearest folder above this file whose package.json is flowy-swf's. Found from
 * `import.meta.url`, not the working directory, so `dist/bench/run.js` and `bench/run.ts` (tsx) agree.
 */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
      if (name === 'flowy-swf') return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('bench: cannot find the flowy-swf repository root above the bench files');
    dir = parent;
  }
}

/** A sibling module of this file, as a path: `.ts` when running under tsx, `.js` when built. */
export function benchModule(name: string): string {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return fileURLToPath(new URL(`./${name}${ext}`, import.meta.url));
}
