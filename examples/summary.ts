import type { TypeProgress } from './decider.js';

/** What the demo tells a newcomer once its workflow has closed. */
export interface SummaryReport {
  /** How the tasks of each activity type ended, in the order to print them. */
  readonly byType: Readonly<Record<string, TypeProgress>>;
  /** One line per outside system: what it did while the workflow ran. */
  readonly outside: readonly string[];
}

/** Longest sample shown, in characters; longer ones are cut with an ellipsis. */
const SAMPLE_WIDTH = 60;

function cut(text: string): string {
  return text.length > SAMPLE_WIDTH ? `${text.slice(0, SAMPLE_WIDTH - 1)}…` : text;
}

/**
 * The demo's closing table: a line per activity type with its counts and, when it had them, a sample
 * result and the reason of a failure; then what the outside systems did. New kinds of activity show up
 * by themselves (they are counted per type); a new outside system adds a line to `outside`.
 */
export function formatSummary(report: SummaryReport): string {
  const rows = Object.entries(report.byType).map(([name, t]) => {
    const notes: string[] = [];
    if (t.sampleResult !== undefined) notes.push(`e.g. result ${cut(t.sampleResult)}`);
    if (t.failureReason !== undefined) notes.push(`failed with "${cut(t.failureReason)}"`);
    return [name, String(t.completed), String(t.failed), String(t.timedOut), notes.join('; ')];
  });
  const header = ['activity type', 'completed', 'failed', 'timed out', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    `  ${cells
      .map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd()}\n`;
  return [line(header), ...rows.map(line), ...report.outside.map((o) => `  ${o}\n`)].join('');
}
