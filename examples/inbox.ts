import { EventEmitter } from 'node:events';

/**
 * Stands in for a third-party system (a ticketing tool, a human approval queue): activities that
 * suspend leave their task token here, and the demo's "external system" finishes them later.
 */
export interface ApprovalRequest {
  readonly orderId: string;
  readonly amount: number;
  /** The task token that finishes the activity. A credential: keep it as safe as a password. */
  readonly taskToken: string;
}

/** The demo's stand-in for a third-party system's inbox. */
export const approvalInbox = new EventEmitter<{ request: [ApprovalRequest] }>();
