/**
 * `flowy-swf/activity`, the authoring entry: the same objects as the main entry, and an import graph
 * that reaches no package but reflect-metadata (so a child process loading an activity module stays light).
 */
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as authoring from 'flowy-swf/activity';
import * as main from 'flowy-swf';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Runtime imports of a TypeScript file: `import` / `export ... from` specifiers, type-only ones left out. */
function runtimeImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\s+from\s+)?'([^']+)'/gm)) {
    if (!m[2]) found.push(m[3]!);
  }
  return found;
}

/** Every package (bare specifier, `node:` left out) the runtime import graph of `entry` reaches. */
function packagesReached(entry: string): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of runtimeImports(file)) {
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else if (!spec.startsWith('node:')) packages.add(spec);
    }
  };
  visit(entry);
  return packages;
}

describe('flowy-swf/activity', () => {
  it('exports the very objects the main entry exports, so instanceof and the registry agree', () => {
    const names = Object.keys(authoring);
    expect(names).toEqual(expect.arrayContaining(['Activity', 'activity', 'SuspendTask', 'CommandActivity', 'heartbeat', 'sendMessage', 'MESSAGE_SEND_ERROR_CODES', 'MESSAGE_RECEIVE_ERROR_CODES']));
    for (const name of names) {
      expect((main as Record<string, unknown>)[name], name).toBe((authoring as Record<string, unknown>)[name]);
    }
  });

  it('reaches no package but reflect-metadata through its imports', () => {
    expect([...packagesReached(join(SRC, 'authoring/index.ts'))]).toEqual(['reflect-metadata']);
    // The walk finds packages where they are: the main entry reaches the worker's.
    expect([...packagesReached(join(SRC, 'index.ts'))]).toEqual(expect.arrayContaining(['@aws-sdk/client-swf', 'fastify', 'undici']));
  });
});
