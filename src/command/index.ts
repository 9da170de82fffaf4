/** Activities that run a program in any language. */
export {
  CommandActivity,
  CommandExitError,
  CommandFailedError,
  INVOCATION_ID_ENV,
  type CommandOutput,
  type CommandSpec,
} from './command-activity.js';
export { pythonHelperDir } from './python-path.js';
