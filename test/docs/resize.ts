import { Activity, activity } from 'flowy-swf';

@activity('resize-images', 1, 'media', { heartbeat: 60, startToClose: 600 })
export class ResizeImages extends Activity {
  async run(urls: string[]): Promise<{ resized: number }> {
    let resized = 0;
    for (const url of urls) {
      if (!url.startsWith('https://')) throw new TypeError(`not an https URL: ${url}`);
      resized++; // resize it here
      if (!(await this.heartbeat({ done: resized, of: urls.length }))) this.signal.throwIfAborted();
    }
    return { resized };
  }
}

/** Waits for an upload; forgets to heartbeat while it waits (the test catches it). */
@activity('wait-for-upload', 1, 'media', { heartbeat: 60 })
export class WaitForUpload extends Activity {
  async run(path: string): Promise<string> {
    await this.heartbeat(`waiting for ${path}`);
    await new Promise((resolve) => this.signal.addEventListener('abort', resolve, { once: true }));
    return path;
  }
}
