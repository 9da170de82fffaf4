/** The code in the docs is the code the tests run: a doc block that drifts from its file fails here. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const tsBlocks = (markdown: string): string[] => [...markdown.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('docs quote the tests that run them', () => {
  it.each(['test/docs/resize.ts', 'test/docs/testing-mock.example.test.ts', 'test/docs/testing-environment.example.test.ts'])(
    'docs/testing.md holds %s verbatim',
    (file) => {
      expect(tsBlocks(read('docs/testing.md'))).toContain(read(file).trimEnd() + '\n');
    },
  );

  it('docs/activities.md\'s Crunch example is test/docs/crunch.ts from its third line', () => {
    const block = tsBlocks(read('docs/activities.md')).find((b) => b.includes('class Crunch'));
    expect(block).toBeDefined();
    expect(read('test/docs/crunch.ts').split('\n').slice(2).join('\n')).toBe(block);
  });
});
