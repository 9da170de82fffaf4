import type { ActivityDefinition } from '../scanner/types.js';
import { runActivity } from './run-activity.js';
import type { ExecutionContext, ExecutionOutcome, TaskExecutor } from './types.js';

/**
 * Runs activities in the worker's own event loop: the cheapest, and the default. A CPU-bound activity
 * here stalls every other task's heartbeats and polls; use the process executor for those.
 */
export class InlineExecutor implements TaskExecutor {
  readonly name = 'inline' as const;

  async execute(definition: ActivityDefinition, input: string | undefined, context: ExecutionContext): Promise<ExecutionOutcome> {
    const run = runActivity(definition, input, context);
    for (;;) {
      const step = await run.next();
      if (step.done) return step.value;
      context.progress(step.value);
    }
  }

  async close(): Promise<void> {}
}
