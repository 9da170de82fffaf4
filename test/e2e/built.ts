/** Tests of the built package (`dist/`) build it first when it is missing, rather than skipping. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../', import.meta.url));

/** Runs `npm run build` when `dist/bin/flowy-swf.js` is missing; throws with the compiler's output when it fails. */
export function ensureBuilt(): void {
  if (existsSync(`${root}dist/bin/flowy-swf.js`)) return;
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['run', 'build'], { cwd: root, encoding: 'utf8' });
  if (result.status !== 0 || !existsSync(`${root}dist/bin/flowy-swf.js`)) {
    throw new Error(
      `dist/ is missing and \`npm run build\` failed (exit ${String(result.status)}); run it yourself to see why:\n${result.stdout}${result.stderr}`,
    );
  }
}
