import type { ActivityDefinition } from '../scanner/types.js';
import { executeActivity } from './run-activity.js';
import type { ExecutionContext, ExecutionOutcome, TaskExecutor } from './types.js';

/**
 * Runs activities in the worker's own event loop: the cheapest, and the default. A CPU-bound activity
 * here stalls every other task's heartbeats and polls; use the process executor for those.
 */
export class InlineExecutor implements TaskExecutor {
  readonly name = 'inline' as const;

  execute(definition: ActivityDefinition, input: string | undefined, context: ExecutionContext): ExecutionOutcome | Promise<ExecutionOutcome> {
    return executeActivity(definition, input, context, (value) => context.progress(value));
  }

  async close(): Promise<void> {}
}
