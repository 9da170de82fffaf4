import { Activity, activity } from 'flowy-swf';

/** Adds two numbers: the quickest kind of activity. */
@activity('add', 1, 'demo-activities', { scheduleToClose: 300, scheduleToStart: 240, startToClose: 60 })
export class Add extends Activity {
  run(a: number, b: number): number {
    return a + b;
  }
}

/** Upper-cases a string, taking keyword arguments (Flowy's kwargs arrive as one last argument). */
@activity('shout', '1.0', 'demo-activities', { scheduleToClose: 300, scheduleToStart: 240, startToClose: 60 })
export class Shout extends Activity {
  async run(text: string, options: { suffix?: string } = {}): Promise<string> {
    return text.toUpperCase() + (options.suffix ?? '');
  }
}
