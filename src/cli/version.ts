import { readFileSync } from 'node:fs';

/**
 * The version in flowy-swf's package.json, found by walking up from this module (it sits at a
 * different depth in the sources and in `dist`). `unknown` when it cannot be read.
 */
export function packageVersion(): string {
  for (let url = new URL('./', import.meta.url), i = 0; i < 5; url = new URL('../', url), i++) {
    try {
      const pkg = JSON.parse(readFileSync(new URL('package.json', url), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'flowy-swf' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not here; look one folder up
    }
  }
  return 'unknown';
}
