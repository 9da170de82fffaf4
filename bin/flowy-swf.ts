#!/usr/bin/env node
/** `flowy-swf`: run a worker, list activities, finish tasks by token, run the local endpoint or the demo. */
import { Command, Option } from 'commander';
import {
  addCallbacksOptions,
  addSwfOptions,
  addWorkerOptions,
  cancelTask,
  CliRun,
  completeTask,
  failTask,
  heartbeatTask,
  listActivities,
  LOG_LEVELS,
  packageVersion,
  parsePort,
  parsePositiveInteger,
  requireOptions,
  parseChaos,
  runCallbacks,
  runLocal,
  runWorker,
  collect,
  type CallbacksFlags,
  type ListFlags,
  type LocalFlags,
  type SwfFlags,
  type WorkerFlags,
} from '../src/cli/index.js';

// flowy-swf pins an AWS SDK release that runs on Node 20; its notice that later releases will need
// Node 22 says nothing a user of this CLI can act on. Set the variable to 'false' to see it anyway.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const run = new CliRun();
const program = new Command('flowy-swf')
  .description('Amazon SWF activity workers, Flowy style.')
  .version(packageVersion())
  .exitOverride()
  .showHelpAfterError('(add --help for usage)');

addWorkerOptions(program.command('worker').description('Run an activity worker (same as start-activity-worker).')).action(
  run.action((flags: WorkerFlags) => runWorker(flags)),
);

requireOptions(program.command('list'), '--package')
  .description('Scan for @activity classes and print each type with its task list and default timeouts.')
  .option('--package <path>', 'file, directory or glob to scan (required, repeatable)', collect)
  .option('--ignore <glob>', 'glob to skip while scanning (repeatable)', collect)
  .option('--json', 'print JSON instead of a table')
  .action(run.action((flags: ListFlags) => listActivities(run, flags)));

addSwfOptions(
  program
    .command('complete')
    .description('Complete a task by its token with a JSON result (null when none is given).')
    .argument('<token>', "the task's token, or - to read it from standard input")
    .argument('[result-json]', 'the result as JSON, or - to read it from standard input'),
).action(run.action((token: string, result: string | undefined, flags: SwfFlags) => completeTask(run, token, result, flags)));

addSwfOptions(
  requireOptions(program.command('fail'), '--reason')
    .description('Fail a task by its token.')
    .argument('<token>', "the task's token, or - to read it from standard input")
    .option('--reason <text>', 'why it failed (required); cut to 256 characters')
    .option('--details <text>', 'details, sent as they are; cut to 32,768 characters'),
).action(run.action((token: string, flags: SwfFlags & { reason: string; details?: string }) => failTask(run, token, flags)));

addSwfOptions(
  program
    .command('heartbeat')
    .description('Record a heartbeat for a task. Prints cancelRequested: true|false; exits 3 when true.')
    .argument('<token>', "the task's token, or - to read it from standard input")
    .option('--details <text>', 'progress details, at most 2,048 characters'),
).action(run.action((token: string, flags: SwfFlags & { details?: string }) => heartbeatTask(run, token, flags)));

addSwfOptions(
  program
    .command('cancel')
    .description('Report a task canceled, e.g. after heartbeat printed cancelRequested: true.')
    .argument('<token>', "the task's token, or - to read it from standard input")
    .option('--details <text>', 'details, sent as they are; cut to 32,768 characters'),
).action(run.action((token: string, flags: SwfFlags & { details?: string }) => cancelTask(run, token, flags)));

program
  .command('local')
  .description('Run the local SWF-compatible endpoint until SIGINT/SIGTERM; prints its URL.')
  .addOption(new Option('--port <port>', 'port to listen on; 0 picks a free one').argParser(parsePort).default(5055))
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .addOption(new Option('--poll-timeout <ms>', 'how long a poll is held with no task, in ms (SWF: 60000)').argParser(parsePositiveInteger))
  .addOption(new Option('--latency <ms>', 'milliseconds added to every call').argParser(parsePositiveInteger))
  .addOption(new Option('--max-connections <n>', 'connections open at once; more are answered 503 (default 2048)').argParser(parsePositiveInteger))
  .addOption(new Option('--headers-timeout <ms>', "time a client has to send a request's headers (default 10000)").argParser(parsePositiveInteger))
  .addOption(new Option('--request-timeout <ms>', 'time a client has to send a whole request (default 30000)').argParser(parsePositiveInteger))
  .addOption(new Option('--max-closed-executions <n>', "closed executions kept, oldest dropped first (default: as the domain's retention says)").argParser(parsePositiveInteger))
  .addOption(
    new Option(
      '--chaos <spec>',
      'seeded fault injection: seed=N,error=RATE,throttle=RATE,reset=RATE,latency=MS,when=before|after|both',
    ).argParser(parseChaos),
  )
  .option('--auth', 'check AWS Signature Version 4 on every request (keys: --credentials-file, else AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)')
  .option('--credentials-file <file>', 'AWS shared credentials file; every profile\'s keys are accepted (with --auth)')
  .addOption(new Option('--max-clock-skew <seconds>', 'largest accepted skew of a signing time (with --auth; AWS: 300)').argParser(parsePositiveInteger))
  .option('--allowed-host <host>', 'a Host name accepted besides localhost, 127.0.0.1, ::1 and --host (repeatable)', collect)
  .action(run.action((flags: LocalFlags) => runLocal(run, flags)));

addCallbacksOptions(
  program.command('callbacks').description('Run the callback service: third parties finish delegated tasks with PUT /v1/callbacks/{id}.'),
).action(run.action((flags: CallbacksFlags) => runCallbacks(run, flags)));

program
  .command('demo')
  .description('Run the demo: a local endpoint, a worker, a fan-out workflow and approvals completed by token.')
  .addOption(new Option('--tasks <n>', 'activity tasks the workflow fans out').argParser(parsePositiveInteger).default(300))
  .addOption(new Option('--max-concurrent <n>', 'worker slots').argParser(parsePositiveInteger).default(32))
  .addOption(new Option('--log-level <level>', 'worker log level').choices(LOG_LEVELS).default('warn'))
  .action(
    run.action(async (flags: { tasks: number; maxConcurrent: number; logLevel: string }) => {
      const { runDemo } = await import('../examples/demo.js');
      return runDemo({ tasks: flags.tasks, maxConcurrentTasks: flags.maxConcurrent, logLevel: flags.logLevel });
    }),
  );

process.exitCode = await run.run(program, process.argv);
