import { SWF_LIMITS } from '../swf/limits.js';
import { fitDetails, truncate } from '../swf/failure.js';

/**
 * The heartbeat details a progress value becomes: a string as is, anything else as JSON; cut to SWF's
 * 2,048 characters (JSON is cut into `{"truncated":true,...,"head":"..."}` so it stays JSON).
 */
export function progressDetails(value: unknown): string {
  if (typeof value === 'string') return truncate(value, SWF_LIMITS.heartbeatDetails);
  try {
    return fitDetails(value === undefined ? null : value, SWF_LIMITS.heartbeatDetails);
  } catch {
    return truncate(String(value), SWF_LIMITS.heartbeatDetails);
  }
}
