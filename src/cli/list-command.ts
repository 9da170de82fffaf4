import type { ActivityDefinition } from '../scanner/types.js';
import type { CliRun } from './run.js';
import { EXIT } from './run.js';
import { formatTable } from './table.js';

/** The flags of `flowy-swf list`. */
export interface ListFlags {
  package?: string[];
  ignore?: string[];
  json?: boolean;
}

/** The columns `list` prints, in order. */
export const LIST_COLUMNS = ['NAME', 'VERSION', 'TASK LIST', 'HEARTBEAT', 'SCHEDULE-TO-CLOSE', 'SCHEDULE-TO-START', 'START-TO-CLOSE'] as const;

/** One row of the `list` table: identity, task list, and the four default timeouts (seconds or NONE). */
export function listRow(definition: ActivityDefinition): string[] {
  const d = definition.defaults;
  return [
    definition.name,
    definition.version,
    definition.taskList,
    d.heartbeatTimeout,
    d.scheduleToCloseTimeout,
    d.scheduleToStartTimeout,
    d.startToCloseTimeout,
  ];
}

/** `list --package P...`: scans and prints every activity type found, sorted by name then version. */
export async function listActivities(run: CliRun, flags: ListFlags): Promise<number> {
  const packages = flags.package ?? [];
  const ignore = flags.ignore ?? [];
  // Loaded only when listing: it imports user code.
  const { scan } = await import('../scanner/index.js');
  // Already in the registry's order: name by code unit, then version with numbers compared as numbers (2 before 10).
  const found = await scan({ packages, ignore });
  if (flags.json) {
    const json = found.map(({ name, version, taskList, defaults }) => ({ name, version, taskList, defaults }));
    run.io.stdout(`${JSON.stringify(json, null, 2)}\n`);
    return EXIT.ok;
  }
  if (found.length === 0) {
    run.io.stderr(`no @activity classes found in ${packages.join(', ')}\n`);
    return EXIT.ok;
  }
  run.io.stdout(`${formatTable(LIST_COLUMNS, found.map(listRow))}\n`);
  return EXIT.ok;
}
