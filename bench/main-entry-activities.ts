/**
 * A no-op activity whose module imports the package's main entry (`flowy-swf`) rather than the
 * authoring entry: the processExecutor scenario's first task in a fresh child, each way.
 */
import { Activity, activity } from '../src/index.js';

/** Does nothing; its module brings the whole package (worker, AWS SDK, HTTP clients) into a child. */
@activity('bench-noop-main-entry', 1, 'bench')
export class BenchNoOpMainEntry extends Activity {
  run(): void {}
}
