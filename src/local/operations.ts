/** Every SWF operation the local endpoint answers, by name. @internal */
import * as domains from './domains.js';
import * as executions from './executions.js';
import * as activities from './activity-tasks.js';
import * as decisions from './decision-tasks.js';
import type { Engine } from './state.js';

/** A request body, already checked against the SWF model by validate.ts before it gets here. */
type Input = Record<string, any>;

/** What an operation gets besides its input: the signal that aborts when the caller goes away. */
export interface OperationContext {
  signal?: AbortSignal;
}

/** An operation's implementation: synchronous, or a promise for the long polls. */
export type Operation = (engine: Engine, input: Input, ctx: OperationContext) => Record<string, unknown> | Promise<Record<string, unknown>>;

/** Operation name (the part of `X-Amz-Target` after `SimpleWorkflowService.`) → implementation. */
export const OPERATIONS: Readonly<Record<string, Operation>> = {
  RegisterDomain: (e, i) => domains.registerDomain(e, i),
  DescribeDomain: (e, i) => domains.describeDomain(e, i),
  ListDomains: (e, i) => domains.listDomains(e, i),
  DeprecateDomain: (e, i) => domains.deprecateDomain(e, i),
  UndeprecateDomain: (e, i) => domains.undeprecateDomain(e, i),
  RegisterActivityType: (e, i) => domains.registerType(e, 'activity', i),
  DescribeActivityType: (e, i) => domains.describeType(e, 'activity', i),
  ListActivityTypes: (e, i) => domains.listTypes(e, 'activity', i),
  DeprecateActivityType: (e, i) => domains.deprecateType(e, 'activity', i),
  UndeprecateActivityType: (e, i) => domains.undeprecateType(e, 'activity', i),
  DeleteActivityType: (e, i) => domains.deleteType(e, 'activity', i),
  RegisterWorkflowType: (e, i) => domains.registerType(e, 'workflow', i),
  DescribeWorkflowType: (e, i) => domains.describeType(e, 'workflow', i),
  ListWorkflowTypes: (e, i) => domains.listTypes(e, 'workflow', i),
  DeprecateWorkflowType: (e, i) => domains.deprecateType(e, 'workflow', i),
  UndeprecateWorkflowType: (e, i) => domains.undeprecateType(e, 'workflow', i),
  DeleteWorkflowType: (e, i) => domains.deleteType(e, 'workflow', i),
  TagResource: (e, i) => domains.tagResource(e, i),
  UntagResource: (e, i) => domains.untagResource(e, i),
  ListTagsForResource: (e, i) => domains.listTagsForResource(e, i),
  StartWorkflowExecution: (e, i) => executions.startWorkflowExecution(e, i),
  DescribeWorkflowExecution: (e, i) => executions.describeWorkflowExecution(e, i),
  GetWorkflowExecutionHistory: (e, i) => executions.getWorkflowExecutionHistory(e, i),
  ListOpenWorkflowExecutions: (e, i) => executions.listExecutions(e, i, true),
  ListClosedWorkflowExecutions: (e, i) => executions.listExecutions(e, i, false),
  CountOpenWorkflowExecutions: (e, i) => executions.countExecutions(e, i, true),
  CountClosedWorkflowExecutions: (e, i) => executions.countExecutions(e, i, false),
  SignalWorkflowExecution: (e, i) => executions.signalWorkflowExecution(e, i),
  RequestCancelWorkflowExecution: (e, i) => executions.requestCancelWorkflowExecution(e, i),
  TerminateWorkflowExecution: (e, i) => executions.terminateWorkflowExecution(e, i),
  PollForActivityTask: (e, i, c) => activities.pollForActivityTask(e, i, c.signal),
  RecordActivityTaskHeartbeat: (e, i) => activities.recordActivityTaskHeartbeat(e, i),
  RespondActivityTaskCompleted: (e, i) => activities.respondActivityTaskCompleted(e, i),
  RespondActivityTaskFailed: (e, i) => activities.respondActivityTaskFailed(e, i),
  RespondActivityTaskCanceled: (e, i) => activities.respondActivityTaskCanceled(e, i),
  CountPendingActivityTasks: (e, i) => activities.countPendingActivityTasks(e, i),
  PollForDecisionTask: (e, i, c) => decisions.pollForDecisionTask(e, i, c.signal),
  RespondDecisionTaskCompleted: (e, i) => decisions.respondDecisionTaskCompleted(e, i),
  CountPendingDecisionTasks: (e, i) => decisions.countPendingDecisionTasks(e, i),
};

/** True for the operations that may hold the connection open (long polls). */
export function isLongPoll(operation: string): boolean {
  return operation === 'PollForActivityTask' || operation === 'PollForDecisionTask';
}
