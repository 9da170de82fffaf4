/**
 * Running one activity, the same in the worker's process and in a child: construct, decode the input,
 * run (a plain or an async-generator `run`), encode the result. A generator over progress values that
 * returns the outcome.
 */
import { bindActivityContext, type Activity } from '../activity/activity.js';
import { beginActivityRun, runInActivityContext, type ActivityContext } from '../activity/context.js';
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

/**
 * An activity whose `run` has been called: what it returned (a value, a promise or an async iterator),
 * and the end of its run ({@link beginActivityRun}), to call once its code can no longer run.
 */
interface Started {
  readonly activity: Activity;
  readonly out: unknown;
  readonly end: () => void;
}

/**
 * Constructs the activity, binds its context, decodes the input and calls `run` in the activity's
 * context: what `run` returned, or the outcome when one of those steps threw. Never throws.
 */
function startActivity(definition: ActivityDefinition, input: string | undefined, context: ActivityContext): Started | ExecutionOutcome {
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
  const end = beginActivityRun();
  try {
    return { activity, out: runInActivityContext(context, () => activity.run(...args)), end };
  } catch (error) {
    end();
    return threw(error);
  }
}

/** The outcome of a run that produced `value`: the encoded result, or why it could not be encoded. */
function finishActivity(activity: Activity, value: unknown): ExecutionOutcome {
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

/** The outcome of a `run` that did not stream: at once for a plain value, once settled for a promise. */
function settleActivity({ activity, out, end }: Started): ExecutionOutcome | Promise<ExecutionOutcome> {
  if (typeof (out as { then?: unknown } | null)?.then !== 'function') {
    end();
    return finishActivity(activity, out);
  }
  return Promise.resolve(out).then(
    (value) => {
      end();
      return finishActivity(activity, value);
    },
    (error: unknown) => {
      end();
      return threw(error);
    },
  );
}

/**
 * Runs an `async *run()`'s iterator in the activity's context, yielding each value; returns the outcome.
 * The run ends when the iterator does, or when this generator is closed early.
 */
async function* streamActivity({ activity, out, end }: Started, context: ActivityContext): AsyncGenerator<unknown, ExecutionOutcome, undefined> {
  const iterator = out as AsyncIterator<unknown>;
  let value: unknown;
  try {
    for (;;) {
      const step = await runInActivityContext(context, () => iterator.next());
      if (step.done) {
        value = step.value;
        break;
      }
      yield step.value;
    }
  } catch (error) {
    return threw(error);
  } finally {
    end();
  }
  return finishActivity(activity, value);
}

/** Runs one task of `definition`; yields each value an `async *run()` yields; returns the outcome. */
export async function* runActivity(
  definition: ActivityDefinition,
  input: string | undefined,
  context: ActivityContext,
): AsyncGenerator<unknown, ExecutionOutcome, undefined> {
  const started = startActivity(definition, input, context);
  if ('status' in started) return started;
  if (isAsyncIterator(started.out)) return yield* streamActivity(started, context);
  return await settleActivity(started);
}

/**
 * Runs one task of `definition` in this process, handing each value an `async *run()` yields to
 * `onProgress`. A `run` that does not stream costs no generator: its outcome comes at once for a plain
 * value, or when its promise settles.
 */
export function executeActivity(
  definition: ActivityDefinition,
  input: string | undefined,
  context: ActivityContext,
  onProgress: (value: unknown) => void,
): ExecutionOutcome | Promise<ExecutionOutcome> {
  const started = startActivity(definition, input, context);
  if ('status' in started) return started;
  if (!isAsyncIterator(started.out)) return settleActivity(started);
  return drain(streamActivity(started, context), onProgress);
}

async function drain(run: AsyncGenerator<unknown, ExecutionOutcome, undefined>, onProgress: (value: unknown) => void): Promise<ExecutionOutcome> {
  for (;;) {
    const step = await run.next();
    if (step.done) return step.value;
    onProgress(step.value);
  }
}
