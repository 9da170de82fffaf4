import { activity, CommandActivity } from 'flowy-swf/activity';

/** A Python program: counts words, heartbeating through the helper, and completes with its result. */
const SCRIPT = `
import sys
from flowy_swf_task import complete, heartbeat

words = sys.argv[1].split()
heartbeat({"words": len(words)})
complete({"words": len(words), "longest": max(words, key=len) if words else None})
`;

@activity('word-count', 1, 'demo-activities', { heartbeat: 30, scheduleToClose: 300, scheduleToStart: 240, startToClose: 60 })
export class WordCount extends CommandActivity {
  command(text: string): string[] {
    return ['python3', '-c', SCRIPT, text];
  }
}
