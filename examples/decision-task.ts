import { PollForDecisionTaskCommand, type HistoryEvent, type SWFClient } from '@aws-sdk/client-swf';

/** Where a decider polls. */
export interface DecisionPollTarget {
  readonly domain: string;
  readonly taskList: string;
  readonly identity?: string;
}

/** A decision task with the events that came since the previous one. */
export interface FreshDecisionTask {
  readonly taskToken: string;
  /** The events after the previous decision task started, oldest first. */
  readonly fresh: HistoryEvent[];
}

/**
 * Polls for one decision task and reads every event since the previous one, oldest first; undefined
 * for an empty poll. A history longer than one page (SWF's pages hold up to 1,000 events) comes in
 * several answers chained by `nextPageToken`; reading newest first lets it stop at the last decision
 * task instead of reading the whole history.
 */
export async function pollFreshDecisionTask(
  client: Pick<SWFClient, 'send'>,
  { domain, taskList, identity }: DecisionPollTarget,
  signal?: AbortSignal,
): Promise<FreshDecisionTask | undefined> {
  const fresh: HistoryEvent[] = [];
  let nextPageToken: string | undefined;
  for (;;) {
    const page = await client.send(
      new PollForDecisionTaskCommand({ domain, taskList: { name: taskList }, identity, reverseOrder: true, nextPageToken }),
      signal ? { abortSignal: signal } : undefined,
    );
    if (!page.taskToken) return undefined;
    const events = page.events ?? [];
    const newer = events.filter((e) => (e.eventId ?? 0) > (page.previousStartedEventId ?? 0));
    fresh.push(...newer);
    nextPageToken = newer.length === events.length ? page.nextPageToken : undefined;
    if (!nextPageToken) return { taskToken: page.taskToken, fresh: fresh.reverse() };
  }
}
