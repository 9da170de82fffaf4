import {
  DescribeActivityTypeCommand,
  RegisterActivityTypeCommand,
  type ActivityTypeConfiguration,
  type DescribeActivityTypeCommandOutput,
} from '@aws-sdk/client-swf';
import { withRetry, type RetryOptions } from '../swf/backoff.js';
import { ConfigurationError, FlowySwfError } from '../swf/errors.js';
import { nameProblem, SWF_LIMITS } from '../swf/limits.js';
import type { SwfSender } from '../swf/respond.js';
import type { ScanLogger } from './loader.js';
import { compareDefinitions, typeLabel } from './registry.js';
import type { ActivityDefinition, ActivityLookup } from './types.js';

/** Options of {@link registerActivityTypes}. */
export interface RegisterActivityTypesOptions extends Pick<RetryOptions, 'backoff' | 'clock' | 'signal' | 'onRetry'> {
  /** Attempts per SWF call before a transient error (throttling, 5xx, network) is given up on. @default 8 */
  maxAttempts?: number;
  /** Told, at debug level, what was registered and what SWF had already. @default none */
  logger?: ScanLogger;
}

/** What {@link registerActivityTypes} did. */
export interface RegistrationReport {
  /** Activity types SWF did not know and now does, in order. */
  readonly registered: ActivityDefinition[];
  /** Activity types SWF already had, with the same defaults, in order. */
  readonly alreadyRegistered: ActivityDefinition[];
}

/** The fields of an activity type's configuration compared with SWF's. */
export type RegisteredField =
  | 'defaultTaskList'
  | 'defaultTaskHeartbeatTimeout'
  | 'defaultTaskScheduleToCloseTimeout'
  | 'defaultTaskScheduleToStartTimeout'
  | 'defaultTaskStartToCloseTimeout';

/** One default that differs between SWF and the code. */
export interface RegistrationMismatch {
  /** The activity type's name. */
  readonly name: string;
  /** The activity type's version. */
  readonly version: string;
  /** Which default differs, by its name in SWF's `DescribeActivityType` answer. */
  readonly field: RegisteredField;
  /** What SWF has; `undefined` when the type was registered without it. */
  readonly inSwf: string | undefined;
  /** What the code says. */
  readonly here: string;
}

/**
 * Some activity types exist in SWF with other defaults than the code gives them, or are deprecated.
 * SWF never changes a registered type: the message lists every difference, field by field, and says
 * how to fix it. Flowy's "Not all activities could be registered".
 */
export class RegistrationMismatchError extends ConfigurationError {
  override name = 'RegistrationMismatchError';
  /** Every default that differs, type by type, field by field. */
  readonly mismatches: readonly RegistrationMismatch[];
  /** Activity types that are deprecated in SWF. */
  readonly deprecated: readonly { readonly name: string; readonly version: string }[];

  constructor(
    domain: string,
    mismatches: readonly RegistrationMismatch[],
    deprecated: readonly { readonly name: string; readonly version: string }[],
  ) {
    super(mismatchMessage(domain, mismatches, deprecated));
    this.mismatches = mismatches;
    this.deprecated = deprecated;
  }
}

function mismatchMessage(
  domain: string,
  mismatches: readonly RegistrationMismatch[],
  deprecated: readonly { readonly name: string; readonly version: string }[],
): string {
  const lines: string[] = [];
  for (const m of mismatches) lines.push(`  ${typeLabel(m)}: ${m.field} is ${m.inSwf ?? '(not set)'} in SWF, ${m.here} here`);
  for (const d of deprecated) lines.push(`  ${typeLabel(d)}: deprecated in SWF, so no workflow can schedule it`);
  const fixes: string[] = [];
  if (mismatches.length > 0) {
    fixes.push(
      'SWF never changes the defaults of a registered activity type. Bump the version in @activity(...) to register ' +
        'a new type with these defaults (and deprecate the old type once no workflow schedules it), or change the ' +
        'defaults here back to what SWF has.',
    );
  }
  if (deprecated.length > 0) {
    fixes.push('A deprecated type cannot be registered again: bump the version, or undeprecate the type (UndeprecateActivityType).');
  }
  return `Not all activities could be registered in domain ${domain}:\n${lines.join('\n')}\n${fixes.join('\n')}`;
}


function errorName(error: unknown): string | undefined {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : undefined;
}

function failure(what: string, domain: string, error: unknown): FlowySwfError {
  const name = errorName(error) ?? 'Error';
  const message = error instanceof Error ? error.message : String(error);
  const hint =
    name === 'UnknownResourceFault'
      ? `; is domain ${domain} registered (and not deprecated) in this region and account?`
      : name === 'LimitExceededFault'
        ? '; SWF limits how many activity types a domain may have: deprecate unused ones'
        : name === 'OperationNotPermittedFault'
          ? '; the credentials in use may not call it on this domain'
          : '';
  return new FlowySwfError(`${what} in domain ${domain} failed: ${name}: ${message}${hint}`, { cause: error });
}

/** How many types are registered at once. */
const REGISTRATION_CONCURRENCY = 8;

/** What registering one type came to. */
type Outcome =
  | { kind: 'registered' }
  | { kind: 'already' }
  | { kind: 'deprecated' }
  | { kind: 'mismatch'; found: RegistrationMismatch[] };

/**
 * Registers activity types with SWF, each with its default task list and four default timeouts; Flowy's
 * `reg_remote`. A type SWF already has (`TypeAlreadyExistsFault`) is fine when its registered defaults
 * equal the code's, checked with `DescribeActivityType`. Types are done eight at a time and reported in name and
 * version order; transient errors are retried with jittered backoff.
 *
 * @param client An `SWFClient`, or anything with its `send`.
 * @param domain The SWF domain, which must already be registered.
 * @param activities Definitions, e.g. what {@link scan} returned, or a registry.
 * @returns Which types were registered now and which SWF had already.
 * @throws RegistrationMismatchError, after every type was tried, listing every type whose registered
 *   defaults differ from the code's, field by field, and every deprecated type. Any other SWF error
 *   (unknown domain, limit exceeded, not permitted, transient errors that outlast the retries) is
 *   thrown at once, as a `FlowySwfError` with the SWF error as its cause.
 */
export async function registerActivityTypes(
  client: SwfSender,
  domain: string,
  activities: readonly ActivityDefinition[] | ActivityLookup,
  options: RegisterActivityTypesOptions = {},
): Promise<RegistrationReport> {
  if (typeof domain !== 'string') throw new TypeError(`registerActivityTypes(): domain must be a string`);
  const domainProblem = nameProblem(domain, SWF_LIMITS.name);
  if (domainProblem) throw new ConfigurationError(`registerActivityTypes(): domain ${domainProblem}`);
  const definitions = (Array.isArray(activities) ? [...activities] : (activities as ActivityLookup).list()).sort(
    compareDefinitions,
  );
  const retry: RetryOptions = {
    maxAttempts: options.maxAttempts ?? 8,
    ...(options.backoff ? { backoff: options.backoff } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
  };
  const logger = options.logger;

  /** Registers one type, or checks the one SWF holds; throws what cannot be recovered. */
  const registerOne = async (definition: ActivityDefinition): Promise<Outcome> => {
    const activityType = { name: definition.name, version: definition.version };
    const label = typeLabel(definition);
    try {
      await withRetry(
        () =>
          client.send(
            new RegisterActivityTypeCommand({
              domain,
              ...activityType,
              defaultTaskList: { name: definition.taskList },
              defaultTaskHeartbeatTimeout: definition.defaults.heartbeatTimeout,
              defaultTaskScheduleToCloseTimeout: definition.defaults.scheduleToCloseTimeout,
              defaultTaskScheduleToStartTimeout: definition.defaults.scheduleToStartTimeout,
              defaultTaskStartToCloseTimeout: definition.defaults.startToCloseTimeout,
            }),
          ),
        retry,
      );
      logger?.debug({ domain, activityType }, 'registered activity type');
      return { kind: 'registered' };
    } catch (error) {
      const name = errorName(error);
      if (name === 'TypeDeprecatedFault') return { kind: 'deprecated' };
      if (name !== 'TypeAlreadyExistsFault') throw failure(`RegisterActivityType ${label}`, domain, error);
    }

    let described: DescribeActivityTypeCommandOutput;
    try {
      described = await withRetry(() => client.send(new DescribeActivityTypeCommand({ domain, activityType })), retry);
    } catch (error) {
      if (errorName(error) === 'TypeDeprecatedFault') return { kind: 'deprecated' };
      throw failure(`DescribeActivityType ${label}`, domain, error);
    }
    if (described.typeInfo?.status === 'DEPRECATED') return { kind: 'deprecated' };
    const found = compare(definition, described.configuration);
    if (found.length > 0) {
      logger?.debug({ domain, activityType, mismatches: found.length }, 'activity type registered with other defaults');
      return { kind: 'mismatch', found };
    }
    logger?.debug({ domain, activityType }, 'activity type already registered with the same defaults');
    return { kind: 'already' };
  };

  // A few at once: a restart with many types costs two calls per type, and SWF allows 60 per second.
  const outcomes = new Array<Outcome>(definitions.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < definitions.length) {
      const i = next++;
      outcomes[i] = await registerOne(definitions[i] as ActivityDefinition);
    }
  };
  await Promise.all(Array.from({ length: Math.min(REGISTRATION_CONCURRENCY, definitions.length) }, lane));

  const registered: ActivityDefinition[] = [];
  const alreadyRegistered: ActivityDefinition[] = [];
  const mismatches: RegistrationMismatch[] = [];
  const deprecated: { name: string; version: string }[] = [];
  definitions.forEach((definition, i) => {
    const outcome = outcomes[i] as Outcome;
    if (outcome.kind === 'registered') registered.push(definition);
    else if (outcome.kind === 'already') alreadyRegistered.push(definition);
    else if (outcome.kind === 'deprecated') deprecated.push({ name: definition.name, version: definition.version });
    else mismatches.push(...outcome.found);
  });

  if (mismatches.length > 0 || deprecated.length > 0) throw new RegistrationMismatchError(domain, mismatches, deprecated);
  return { registered, alreadyRegistered };
}

function compare(definition: ActivityDefinition, configuration: ActivityTypeConfiguration | undefined): RegistrationMismatch[] {
  const c = configuration ?? {};
  const pairs: [RegisteredField, string | undefined, string][] = [
    ['defaultTaskList', c.defaultTaskList?.name, definition.taskList],
    ['defaultTaskHeartbeatTimeout', c.defaultTaskHeartbeatTimeout, definition.defaults.heartbeatTimeout],
    ['defaultTaskScheduleToCloseTimeout', c.defaultTaskScheduleToCloseTimeout, definition.defaults.scheduleToCloseTimeout],
    ['defaultTaskScheduleToStartTimeout', c.defaultTaskScheduleToStartTimeout, definition.defaults.scheduleToStartTimeout],
    ['defaultTaskStartToCloseTimeout', c.defaultTaskStartToCloseTimeout, definition.defaults.startToCloseTimeout],
  ];
  return pairs
    .filter(([, inSwf, here]) => inSwf !== here)
    .map(([field, inSwf, here]) => ({ name: definition.name, version: definition.version, field, inSwf, here }));
}
