#!/usr/bin/env node
/** `start-activity-worker`: scan, register and run an activity worker. Flowy's `start_activity_worker`. */
import { Command } from 'commander';
import { addWorkerOptions, CliRun, packageVersion, runWorker, type WorkerFlags } from '../src/cli/index.js';

// flowy-swf pins an AWS SDK release that runs on Node 20; its notice that later releases will need
// Node 22 says nothing a user of this CLI can act on. Set the variable to 'false' to see it anyway.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const run = new CliRun();
const program = new Command('start-activity-worker')
  .description('Scan for @activity classes, register them with SWF, and run tasks from a task list until SIGINT/SIGTERM.')
  .version(packageVersion())
  .exitOverride()
  .showHelpAfterError('(run start-activity-worker --help for usage)');
addWorkerOptions(program).action(run.action((flags: WorkerFlags) => runWorker(flags)));

process.exitCode = await run.run(program, process.argv);
