/** Every SWF operation the local endpoint answers, by name. @internal */
import * as domains from './domains.js';
import * as executions from './executions.js';
import * as activities from './activity-tasks.js';
import * as decisions from './decision-tasks.js';
import type { Engine } from './state.js';

/** A request body once validate.ts has checked it against the SWF model and kept only the members it names. */
export type ValidInput = Readonly<Record<string, unknown>>;

/** The input as the operation's SDK input type: validation guarantees the shape (`T` comes from the callee). */
const checked = <T,>(input: ValidInput): T => input as T;

/** What an operation gets besides its input: the signal that aborts when the caller goes away. */
export interface OperationContext {
  signal?: AbortSignal;
}

/** An operation's implementation: synchronous, or a promise for the long polls. */
export type Operation = (engine: Engine, input: ValidInput, ctx: OperationContext) => Record<string, unknown> | Promise<Record<string, unknown>>;

/** Operation name (the part of `X-Amz-Target` after `SimpleWorkflowService.`) → implementation. */
export const OPERATIONS: Readonly<Record<string, Operation>> = {
  RegisterDomain: (e, i) => domains.registerDomain(e, checked(i)),
  DescribeDomain: (e, i) => domains.describeDomain(e, checked(i)),
  ListDomains: (e, i) => domains.listDomains(e, checked(i)),
  DeprecateDomain: (e, i) => domains.deprecateDomain(e, checked(i)),
  UndeprecateDomain: (e, i) => domains.undeprecateDomain(e, checked(i)),
  RegisterActivityType: (e, i) => domains.registerType(e, 'activity', checked(i)),
  DescribeActivityType: (e, i) => domains.describeType(e, 'activity', checked(i)),
  ListActivityTypes: (e, i) => domains.listTypes(e, 'activity', checked(i)),
  DeprecateActivityType: (e, i) => domains.deprecateType(e, 'activity', checked(i)),
  UndeprecateActivityType: (e, i) => domains.undeprecateType(e, 'activity', checked(i)),
  DeleteActivityType: (e, i) => domains.deleteType(e, 'activity', checked(i)),
  RegisterWorkflowType: (e, i) => domains.registerType(e, 'workflow', checked(i)),
  DescribeWorkflowType: (e, i) => domains.describeType(e, 'workflow', checked(i)),
  ListWorkflowTypes: (e, i) => domains.listTypes(e, 'workflow', checked(i)),
  DeprecateWorkflowType: (e, i) => domains.deprecateType(e, 'workflow', checked(i)),
  UndeprecateWorkflowType: (e, i) => domains.undeprecateType(e, 'workflow', checked(i)),
  DeleteWorkflowType: (e, i) => domains.deleteType(e, 'workflow', checked(i)),
  TagResource: (e, i) => domains.tagResource(e, checked(i)),
  UntagResource: (e, i) => domains.untagResource(e, checked(i)),
  ListTagsForResource: (e, i) => domains.listTagsForResource(e, checked(i)),
  StartWorkflowExecution: (e, i) => executions.startWorkflowExecution(e, checked(i)),
  DescribeWorkflowExecution: (e, i) => executions.describeWorkflowExecution(e, checked(i)),
  GetWorkflowExecutionHistory: (e, i) => executions.getWorkflowExecutionHistory(e, checked(i)),
  ListOpenWorkflowExecutions: (e, i) => executions.listExecutions(e, checked(i), true),
  ListClosedWorkflowExecutions: (e, i) => executions.listExecutions(e, checked(i), false),
  CountOpenWorkflowExecutions: (e, i) => executions.countExecutions(e, checked(i), true),
  CountClosedWorkflowExecutions: (e, i) => executions.countExecutions(e, checked(i), false),
  SignalWorkflowExecution: (e, i) => executions.signalWorkflowExecution(e, checked(i)),
  RequestCancelWorkflowExecution: (e, i) => executions.requestCancelWorkflowExecution(e, checked(i)),
  TerminateWorkflowExecution: (e, i) => executions.terminateWorkflowExecution(e, checked(i)),
  PollForActivityTask: (e, i, c) => activities.pollForActivityTask(e, checked(i), c.signal),
  RecordActivityTaskHeartbeat: (e, i) => activities.recordActivityTaskHeartbeat(e, checked(i)),
  RespondActivityTaskCompleted: (e, i) => activities.respondActivityTaskCompleted(e, checked(i)),
  RespondActivityTaskFailed: (e, i) => activities.respondActivityTaskFailed(e, checked(i)),
  RespondActivityTaskCanceled: (e, i) => activities.respondActivityTaskCanceled(e, checked(i)),
  CountPendingActivityTasks: (e, i) => activities.countPendingActivityTasks(e, checked(i)),
  PollForDecisionTask: (e, i, c) => decisions.pollForDecisionTask(e, checked(i), c.signal),
  RespondDecisionTaskCompleted: (e, i) => decisions.respondDecisionTaskCompleted(e, checked(i)),
  CountPendingDecisionTasks: (e, i) => decisions.countPendingDecisionTasks(e, checked(i)),
};

/** True for the operations that may hold the connection open (long polls). */
export function isLongPoll(operation: string): boolean {
  return operation === 'PollForActivityTask' || operation === 'PollForDecisionTask';
}
