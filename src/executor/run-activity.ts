/**
 * Running one activity, the same in the worker's process and in a child: construct, decode the input,
 * run (a plain or an async-generator `run`), encode the result. A generator over progress values that
 * returns the outcome.
 */
import { bindActivityContext, type Activity } from '../activity/activity.js';
import { runInActivityContext, type ActivityContext } from '../activity/context.js';
import { assertResultFits, InputError, ResultError } from '../swf/codec.js';
import type { ActivityDefinition } from '../scanner/types.js';
import type { ExecutionOutcome } from './types.js';

function threw(error: unknown, context?: string): ExecutionOutcome {
  return context === undefined ? { status: 'threw', error } : { status: 'threw', error, context };
}

/** True for what an `async *run()` returns: an async iterator that is not a promise. */
export function isAsyncIterator(value: unknown): value is AsyncIterator<unknown> & AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { next?: unknown }).next === 'function' &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function' &&
    typeof (value as { then?: unknown }).then !== 'function'
  );
}

/** Runs one task of `definition`; yields each value an `async *run()` yields; returns the outcome. */
export async function* runActivity(
  definition: ActivityDefinition,
  input: string | undefined,
  context: ActivityContext,
): AsyncGenerator<unknown, ExecutionOutcome, undefined> {
  let activity: Activity;
  try {
    activity = new definition.activityClass();
  } catch (error) {
    return threw(error, `constructing ${definition.activityClass.name || 'the activity class'} threw`);
  }
  bindActivityContext(activity, context);
  let args: unknown[];
  try {
    args = activity.deserializeArguments(input);
    if (!Array.isArray(args)) throw new InputError(`deserializeArguments must return an array of arguments, got ${typeof args}`);
  } catch (error) {
    return threw(error, error instanceof InputError ? undefined : 'deserializeArguments threw');
  }
  let value: unknown;
  try {
    const out = runInActivityContext(context, () => activity.run(...args));
    if (isAsyncIterator(out)) {
      for (;;) {
        const step = await runInActivityContext(context, () => out.next());
        if (step.done) {
          value = step.value;
          break;
        }
        yield step.value;
      }
    } else {
      value = await out;
    }
  } catch (error) {
    return threw(error);
  }
  try {
    const encoded: unknown = activity.serializeResult(value);
    if (typeof encoded !== 'string') {
      throw new ResultError(`serializeResult must return a string, got ${encoded === null ? 'null' : typeof encoded}`);
    }
    assertResultFits(encoded);
    return { status: 'returned', result: encoded };
  } catch (error) {
    return threw(error, error instanceof ResultError ? undefined : 'serializeResult threw');
  }
}
