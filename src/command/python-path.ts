import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The helper module programs import: `python/flowy_swf_task.py` at the package's root. */
export const PYTHON_HELPER = 'flowy_swf_task.py';

let found: string | undefined;

/**
 * The folder holding the Python helper, put on a command's `PYTHONPATH`. Found by walking up from this
 * module, since it sits at different depths in the sources and in the build.
 */
export function pythonHelperDir(): string {
  if (found) return found;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'python');
    if (existsSync(join(candidate, PYTHON_HELPER))) return (found = candidate);
    dir = dirname(dir);
  }
  throw new Error(`the Python helper (python/${PYTHON_HELPER}) is missing from the flowy-swf package; reinstall it`);
}
