import { ConfigurationError, FlowySwfError } from '../swf/errors.js';
import { sealCallbackId } from './callback-id.js';
import { callbackKeyRing, loadSecretFile, type CallbackKeyRing } from './keys.js';

/** What `delegate()` returns: hand `url` (or `id`) to the third party, then throw `SuspendTask`. */
export interface CallbackHandle {
  /** The sealed callback id. It finishes this task: hand it only to the party doing the work, never log it whole. */
  readonly id: string;
  /** `PUT` here to finish or heartbeat the task: `<callbackUrl>/v1/callbacks/<id>`. */
  readonly url: string;
  /** When the id stops being accepted. */
  readonly expiresAt: Date;
}

/** Options of `delegate()`. */
export interface DelegateOptions {
  /**
   * How long the id is accepted, from now, in ms.
   * @default until the task's own deadline: the smaller of its type's default start-to-close and
   * schedule-to-close timeouts, counted from when the worker received the task; 30 days when both are NONE
   */
  expiresInMs?: number;
}

/** The part of a task `delegate()` needs: its token, when the worker got it, its type's default timeouts (SWF strings). */
export interface DelegatedTask {
  readonly taskToken: string;
  /** Epoch ms when the worker received the task. */
  readonly receivedAt: number;
  readonly startToCloseTimeout?: string | undefined;
  readonly scheduleToCloseTimeout?: string | undefined;
}

/** Seals callback ids for a worker's tasks. Built by {@link createDelegator}; a worker takes one as `delegator`. */
export interface Delegator {
  /** The public base URL of the callback service. */
  readonly callbackUrl: string;
  delegate(task: DelegatedTask, now: number, options?: DelegateOptions): CallbackHandle;
}

/** Options of {@link createDelegator}. */
export interface DelegatorOptions {
  /** Keys to seal with (the first) — from {@link callbackKeyRing} or {@link loadSecretFile}. */
  keys: CallbackKeyRing;
  /** Public base URL of the callback service as third parties reach it, e.g. `https://hooks.example.com` or `https://example.com/flowy`. */
  callbackUrl: string;
}

/** Expiry of an id when the task's type has no finite timeout. */
export const NO_TIMEOUT_EXPIRY_MS = 30 * 24 * 3600 * 1000;

/** Checks a public URL and drops a trailing slash. */
export function normalizeCallbackUrl(value: unknown, what = 'callbackUrl'): string {
  if (typeof value !== 'string' || value === '') {
    throw new ConfigurationError(`${what} must be the public http(s) URL of the callback service, e.g. https://hooks.example.com`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(`${what} ${JSON.stringify(value)} is not a URL; give one such as https://hooks.example.com`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigurationError(`${what} ${JSON.stringify(value)} must start with https:// (or http:// on a trusted network)`);
  }
  if (url.search || url.hash) throw new ConfigurationError(`${what} ${JSON.stringify(value)} must have no ?query or #fragment`);
  return url.toString().replace(/\/+$/, '');
}

/** Builds a {@link Delegator}. */
export function createDelegator(options: DelegatorOptions): Delegator {
  const callbackUrl = normalizeCallbackUrl(options.callbackUrl);
  const keys = options.keys;
  if (!keys || typeof keys.find !== 'function') throw new ConfigurationError('delegator: keys must be a key ring from callbackKeyRing() or loadSecretFile()');
  return {
    callbackUrl,
    delegate(task, now, delegateOptions = {}) {
      const expiresInMs = delegateOptions.expiresInMs ?? defaultExpiryMs(task);
      if (typeof expiresInMs !== 'number' || !Number.isFinite(expiresInMs) || expiresInMs <= 0) {
        throw new ConfigurationError(`delegate(): expiresInMs must be a number of milliseconds > 0, got ${String(expiresInMs)}`);
      }
      const base = delegateOptions.expiresInMs === undefined ? task.receivedAt : now;
      const expiresAt = Math.floor(base + expiresInMs);
      const id = sealCallbackId(keys, task.taskToken, expiresAt);
      return { id, url: `${callbackUrl}/v1/callbacks/${id}`, expiresAt: new Date(expiresAt) };
    },
  };
}

/** The task's own deadline as best the worker knows it: SWF's poll answer holds no timeouts, the type's defaults do. */
function defaultExpiryMs(task: DelegatedTask): number {
  const seconds = [task.startToCloseTimeout, task.scheduleToCloseTimeout]
    .map((t) => (t === undefined || t === 'NONE' ? Number.NaN : Number(t)))
    .filter((n) => Number.isFinite(n) && n > 0);
  return seconds.length > 0 ? Math.min(...seconds) * 1000 : NO_TIMEOUT_EXPIRY_MS;
}

/** Where a worker finds its callback settings; {@link resolveDelegator}'s input. */
export interface DelegationSettings {
  /** A file of secrets, one per line, current first. @default process.env.FLOWY_SWF_CALLBACK_SECRET_FILE */
  callbackSecretFile?: string;
  /** Secrets given directly, current first (instead of a file). */
  callbackSecrets?: readonly string[];
  /** Public URL of the callback service. @default process.env.FLOWY_SWF_CALLBACK_URL */
  callbackUrl?: string;
}

/**
 * The delegator a worker uses, from options, else the environment (`FLOWY_SWF_CALLBACK_SECRET_FILE`,
 * `FLOWY_SWF_CALLBACK_URL`). `undefined` when neither a secret nor a URL is set (then `delegate()`
 * explains what to set); a `ConfigurationError` when only one half is.
 */
export function resolveDelegator(settings: DelegationSettings, env: NodeJS.ProcessEnv = process.env): Delegator | undefined {
  const file = settings.callbackSecretFile ?? (settings.callbackSecrets ? undefined : env.FLOWY_SWF_CALLBACK_SECRET_FILE || undefined);
  const url = settings.callbackUrl ?? (env.FLOWY_SWF_CALLBACK_URL || undefined);
  if (settings.callbackSecretFile !== undefined && settings.callbackSecrets !== undefined) {
    throw new ConfigurationError('give callbackSecretFile or callbackSecrets, not both');
  }
  const hasSecret = file !== undefined || settings.callbackSecrets !== undefined;
  if (!hasSecret && url === undefined) return undefined;
  if (!hasSecret) {
    throw new ConfigurationError(
      'callbackUrl is set but no callback secret: pass callbackSecretFile (--callback-secret-file, or FLOWY_SWF_CALLBACK_SECRET_FILE), the same file the callback service reads',
    );
  }
  if (url === undefined) {
    throw new ConfigurationError(
      'a callback secret is set but no callbackUrl: pass the callback service\'s public URL (--callback-url, or FLOWY_SWF_CALLBACK_URL)',
    );
  }
  const keys = file !== undefined ? loadSecretFile(file) : callbackKeyRing(settings.callbackSecrets ?? []);
  return createDelegator({ keys, callbackUrl: url });
}

/** The error `delegate()` throws when the worker has no callback settings. */
export function notConfiguredError(): FlowySwfError {
  return new ConfigurationError(
    'delegate() needs a callback service: start the worker with callbackSecretFile and callbackUrl ' +
      '(flags --callback-secret-file and --callback-url, or FLOWY_SWF_CALLBACK_SECRET_FILE and FLOWY_SWF_CALLBACK_URL); see docs/delegation.md',
  );
}
