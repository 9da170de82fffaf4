/** The local endpoint's modules import each other without a circle: the state machine reads top to bottom. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'local');

/** Every .ts file under `dir`, as paths relative to src/local. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [relative(root, path)] : [];
  });
}

/** file → the files of src/local it imports (type-only imports count: they shape the design all the same). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(root)) {
    const text = readFileSync(join(root, file), 'utf8');
    const targets: string[] = [];
    for (const match of text.matchAll(/(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/g)) {
      const target = normalize(join(dirname(file), (match[1] as string).replace(/\.js$/, '.ts')));
      if (!target.startsWith('..')) targets.push(target);
    }
    graph.set(file, targets);
  }
  return graph;
}

/** The first import circle found by depth-first search, as the files along it; undefined when there is none. */
function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'visiting') return [...path.slice(path.indexOf(node)), node];
    state.set(node, 'visiting');
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of graph.keys()) {
    const cycle = visit(node);
    if (cycle) return cycle;
  }
  return undefined;
}

describe('src/local import graph', () => {
  it('reads the imports of every module', () => {
    const graph = importGraph();
    expect(graph.get('decision-tasks.ts')).toContain('decisions.ts');
    expect(graph.size).toBeGreaterThan(10);
  });

  it('finds a circle when there is one (the check can fail)', () => {
    const circle = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
    ]);
    expect(findCycle(circle)).toEqual(['a.ts', 'b.ts', 'c.ts', 'a.ts']);
    expect(findCycle(new Map([['a.ts', ['b.ts']], ['b.ts', []]]))).toBeUndefined();
  });

  it('has no import circle', () => {
    expect(findCycle(importGraph())).toBeUndefined();
  });
});
