/**
 * SWF's rules for values that the service model cannot state (it has lengths and enums only), in one table:
 * names, identifiers, priorities, durations in seconds and days, `NONE` forms and tag characters. Each rule
 * comes from the SWF API reference for the member it is keyed by. @internal
 */
import { nameCharacterProblem } from '../swf/limits.js';

/** A rule of the SWF API reference. */
export type Rule =
  /** A name or identifier: no `:` `/` `|`, no control characters, not `arn`; outer white space per the reference. */
  | { readonly kind: 'name'; readonly outerWhitespace: 'forbidden' | 'allowed' }
  /** A duration string: whole seconds (or days) from 0 to `max`, and `NONE` where the reference allows it. */
  | { readonly kind: 'duration'; readonly unit: 'seconds' | 'days'; readonly none: boolean; readonly max: number; readonly why?: string }
  /** A task priority: the string of a 32-bit signed integer. */
  | { readonly kind: 'int32' }
  /** A resource tag key or value: letters, digits, white space and `_ . : / = + - @`. */
  | { readonly kind: 'tag' };

const NAME: Rule = { kind: 'name', outerWhitespace: 'forbidden' };
const ID: Rule = { kind: 'name', outerWhitespace: 'allowed' };
/** The longest a workflow execution may run: one year, in seconds. */
export const MAX_EXECUTION_SECONDS = 365 * 24 * 3600;
/** The longest retention period of a domain, in days. */
export const MAX_RETENTION_DAYS = 90;
/** A duration string is at most 8 characters long (model), so at most 99,999,999 seconds. */
const MAX_DURATION_SECONDS = 99_999_999;
const EXECUTION: Rule = { kind: 'duration', unit: 'seconds', none: false, max: MAX_EXECUTION_SECONDS, why: 'a workflow execution runs at most one year' };

/**
 * Rules by `Structure.member` (one member) or by shape name (every member of that shape). A member's own
 * entry wins over its shape's.
 */
export const RULES: Readonly<Record<string, Rule>> = {
  // Domain and task list names: the reference also forbids white space at either end.
  DomainName: NAME,
  'TaskList.name': NAME,
  // Type names and versions, activity, workflow and timer ids: the same characters, outer white space allowed.
  Name: ID,
  Version: ID,
  VersionOptional: ID,
  ActivityId: ID,
  WorkflowId: ID,
  TimerId: ID,
  TaskPriority: { kind: 'int32' },
  DurationInSecondsOptional: { kind: 'duration', unit: 'seconds', none: true, max: MAX_DURATION_SECONDS },
  DurationInSeconds: { kind: 'duration', unit: 'seconds', none: false, max: MAX_DURATION_SECONDS },
  // "Unlike some of the other timeout parameters in Amazon SWF, you cannot specify a value of NONE ... one-year max limit".
  'StartWorkflowExecutionInput.executionStartToCloseTimeout': EXECUTION,
  'RegisterWorkflowTypeInput.defaultExecutionStartToCloseTimeout': EXECUTION,
  'ContinueAsNewWorkflowExecutionDecisionAttributes.executionStartToCloseTimeout': { ...EXECUTION, none: true },
  'StartChildWorkflowExecutionDecisionAttributes.executionStartToCloseTimeout': { ...EXECUTION, none: true },
  // "If you pass the value NONE or 0 (zero), then the workflow execution history isn't retained ... maximum ... 90 days".
  DurationInDays: { kind: 'duration', unit: 'days', none: true, max: MAX_RETENTION_DAYS, why: 'SWF keeps closed executions at most 90 days' },
  ResourceTagKey: { kind: 'tag' },
  ResourceTagValue: { kind: 'tag' },
};

/** The rule of member `member` (of shape `memberShape`) in structure `parentShape`, if SWF has one. */
export function ruleFor(parentShape: string, member: string, memberShape: string): Rule | undefined {
  const key = `${parentShape}.${member}`;
  if (Object.hasOwn(RULES, key)) return RULES[key];
  return Object.hasOwn(RULES, memberShape) ? RULES[memberShape] : undefined;
}

const fmt = (n: number): string => n.toLocaleString('en-US');
const TAG_CHARACTERS = /^[\p{L}\p{N}\s_.:/=+\-@]*$/u;

/** What `value` must be and is not, as the end of SWF's "Member must ..." sentence; undefined when it keeps `rule`. */
export function ruleProblem(rule: Rule, value: string): string | undefined {
  switch (rule.kind) {
    case 'name': {
      const problem = nameCharacterProblem(value, rule.outerWhitespace);
      return problem === undefined ? undefined : `be a name SWF accepts: it ${problem}`;
    }
    case 'int32': {
      const ok = /^[+-]?\d{1,10}$/.test(value) && Number(value) >= -(2 ** 31) && Number(value) <= 2 ** 31 - 1;
      return ok ? undefined : `be the string of a whole number from ${fmt(-(2 ** 31))} to ${fmt(2 ** 31 - 1)} (a 32-bit integer)`;
    }
    case 'tag':
      return TAG_CHARACTERS.test(value) ? undefined : 'contain only letters, digits, white space and _ . : / = + - @';
    case 'duration': {
      if (value === 'NONE' && rule.none) return undefined;
      if (/^\d+$/.test(value) && Number(value) <= rule.max) return undefined;
      const none = rule.none ? ', or NONE' : value === 'NONE' ? ' (NONE is not allowed here)' : '';
      return `be a whole number of ${rule.unit} from 0 to ${fmt(rule.max)}${none}${rule.why ? `; ${rule.why}` : ''}`;
    }
  }
}
