import { activity, DelegateActivity } from 'flowy-swf';

/**
 * Hands a document to a (fake) third-party translation service over HTTP and lets go of the task; the
 * service finishes it later with `PUT <callback URL>`, through the callback service, never seeing the
 * task token. Its heartbeat timeout makes the service send `RUNNING` while it works.
 */
@activity('translate-document', 1, 'demo-activities', { heartbeat: 30, scheduleToClose: 600, scheduleToStart: 240, startToClose: 300 })
export class TranslateDocument extends DelegateActivity {
  targetUrl(serviceUrl: unknown): string {
    return String(serviceUrl);
  }
}
