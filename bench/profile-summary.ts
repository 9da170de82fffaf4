/**
 * Summarises a V8 CPU profile (`node --cpu-prof`): self time by function and by module (package or
 * project folder), so a benchmark's cost can be placed without a GUI.
 *
 *   node dist/bench/profile-summary.js CPU.*.cpuprofile [top=25]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Where a script URL belongs: `pkg:@smithy/core`, `src/worker`, `node:internal`, ... */
export function moduleOf(url: string): string {
  if (url === '') return '(native/gc/idle)';
  if (url.startsWith('node:')) return 'node:internal';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + 'node_modules/'.length).split('/');
    return `pkg:${parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1] ?? ''}` : (parts[0] ?? '')}`;
  }
  const m = /\/(src|bench|bin)\/([^/]+)\//.exec(url);
  if (m) return `${m[1]}/${m[2]}`;
  return url.replace(/^.*\//, '');
}

/** Self time (ms) by function and by module, largest first. */
export function summarizeProfile(profile: Profile): { total: number; byFunction: [string, number][]; byModule: [string, number][] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  let total = 0;
  for (const [id, ms] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const fn = `${functionName || '(anonymous)'} ${moduleOf(url)}:${lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + ms);
    const mod = moduleOf(url);
    byModule.set(mod, (byModule.get(mod) ?? 0) + ms);
    total += ms;
  }
  const sorted = (m: Map<string, number>): [string, number][] => [...m].sort((a, b) => b[1] - a[1]);
  return { total, byFunction: sorted(byFunction), byModule: sorted(byModule) };
}

if (process.argv[1] && /profile-summary\.[jt]s$/.test(process.argv[1])) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node dist/bench/profile-summary.js <file.cpuprofile> [top]');
    process.exit(2);
  }
  const top = Number(process.argv[3] ?? 25);
  const { total, byFunction, byModule } = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as Profile);
  const pct = (ms: number): string => `${((ms / total) * 100).toFixed(1).padStart(5)}%`;
  console.log(`total ${total.toFixed(0)} ms\n\nby module:`);
  for (const [name, ms] of byModule.slice(0, top)) console.log(`${pct(ms)}  ${name}`);
  console.log('\nby function (self):');
  for (const [name, ms] of byFunction.slice(0, top)) console.log(`${pct(ms)}  ${name}`);
}
