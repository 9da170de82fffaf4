import type { ActivityDefinition } from '../scanner/types.js';
import type { HostFunctions } from './host-functions.js';
import { InlineExecutor } from './inline-executor.js';
import { compileProcessExecutorOptions, type CompiledProcessExecutorOptions, type ProcessExecutorOptions } from './options.js';
import { ProcessExecutor } from './process-executor.js';
import type { ExecutorLogger, ExecutorName, TaskExecutor } from './types.js';

/**
 * The executors of one worker: inline always, the process executor made on first use. Picks the one an
 * activity asks for, or the worker's default.
 * @internal
 */
export class ExecutorSet {
  readonly inline = new InlineExecutor();
  #process: ProcessExecutor | undefined;
  /** Checked now, so a bad option fails when the worker is built; the process executor, made later, takes them as they are. */
  readonly #processOptions: CompiledProcessExecutorOptions;

  constructor(
    readonly defaultExecutor: ExecutorName,
    processOptions: ProcessExecutorOptions,
    private readonly hostFunctions: HostFunctions,
    private readonly log: ExecutorLogger,
  ) {
    this.#processOptions = compileProcessExecutorOptions(processOptions);
  }

  /** The executor for tasks of `definition`. */
  for(definition: ActivityDefinition): TaskExecutor {
    const name = definition.executor ?? this.defaultExecutor;
    if (name === 'inline') return this.inline;
    return (this.#process ??= new ProcessExecutor(this.#processOptions, this.hostFunctions, this.log));
  }

  /** The process executor, when one was made. */
  get process(): ProcessExecutor | undefined {
    return this.#process;
  }

  /** Closes every executor; `force` kills child processes at once. Each executor's `close` is idempotent: a second call waits for the first. */
  async close(options: { force?: boolean } = {}): Promise<void> {
    await Promise.all([this.inline.close(), this.#process?.close(options)]);
  }
}
