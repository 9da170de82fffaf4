import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { FlowySwfError } from '../swf/errors.js';
import { SWF_LIMITS } from '../swf/limits.js';
import type { CallbackKeyRing } from './keys.js';

/**
 * Layout of a version-1 callback id, before base64url:
 * `version (1) | key id (4) | IV (12) | AES-256-GCM( expiresAt ms, uint64 BE (8) | task token UTF-8 ) | tag (16)`.
 * Version and key id are authenticated as associated data, so neither can be changed unnoticed.
 */
const VERSION = 1;
const HEADER = 1 + 4;
const IV = 12;
const TAG = 16;
const EXPIRY = 8;
const MIN_BYTES = HEADER + IV + EXPIRY + 1 + TAG;
/** A task token is at most 1,024 characters; UTF-8 takes up to 4 bytes for one. */
const MAX_BYTES = HEADER + IV + EXPIRY + SWF_LIMITS.taskToken * 4 + TAG;
/** Longest id text: base64url of {@link MAX_BYTES}. */
export const MAX_CALLBACK_ID_LENGTH = Math.ceil((MAX_BYTES * 4) / 3);
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Why a callback id was refused:
 * - `malformed`: not a callback id at all (wrong characters, length or version). HTTP 404.
 * - `unauthentic`: shaped like one, but no key of the ring opens it: forged, tampered with, or sealed
 *   with a key no longer held. HTTP 403.
 * - `expired`: authentic, past its expiry. HTTP 410.
 */
export type CallbackIdProblem = 'malformed' | 'unauthentic' | 'expired';

/** A callback id that cannot be used; {@link CallbackIdError.problem} says why. Never holds the id or the token. */
export class CallbackIdError extends FlowySwfError {
  override name = 'CallbackIdError';
  constructor(
    readonly problem: CallbackIdProblem,
    message: string,
  ) {
    super(message);
  }
}

/** What an opened callback id holds. */
export interface OpenedCallbackId {
  /** The task token: a credential, never log it whole. */
  readonly taskToken: string;
  /** Epoch ms after which the id is refused. */
  readonly expiresAt: number;
  /** Id of the key that sealed it. */
  readonly keyId: string;
}

/**
 * Seals a task token and an expiry into a callback id (base64url, URL-safe) with the ring's current key.
 * The id reveals nothing of the token and cannot be changed without the key.
 */
export function sealCallbackId(ring: CallbackKeyRing, taskToken: string, expiresAt: number): string {
  if (!Number.isSafeInteger(expiresAt) || expiresAt < 0) throw new RangeError(`expiresAt must be epoch milliseconds, got ${expiresAt}`);
  const { current } = ring;
  const header = Buffer.alloc(HEADER);
  header.writeUInt8(VERSION, 0);
  current.idBytes.copy(header, 1);
  const iv = randomBytes(IV);
  const cipher = createCipheriv('aes-256-gcm', current.key, iv);
  cipher.setAAD(header);
  const expiry = Buffer.alloc(EXPIRY);
  expiry.writeBigUInt64BE(BigInt(expiresAt));
  const sealed = Buffer.concat([cipher.update(expiry), cipher.update(taskToken, 'utf8'), cipher.final()]);
  return Buffer.concat([header, iv, sealed, cipher.getAuthTag()]).toString('base64url');
}

/**
 * Opens a callback id: checks its form (`malformed`), its authenticity with every key of the ring
 * (`unauthentic`), then its expiry against `now` (`expired`). Throws {@link CallbackIdError}.
 */
export function openCallbackId(ring: CallbackKeyRing, id: string, now: number): OpenedCallbackId {
  if (typeof id !== 'string' || id.length > MAX_CALLBACK_ID_LENGTH || !BASE64URL.test(id)) {
    throw new CallbackIdError('malformed', 'not a callback id: it must be the base64url text delegate() gave, unchanged');
  }
  const bytes = Buffer.from(id, 'base64url');
  // One id, one spelling: unused low bits of the last character must be zero, as delegate() wrote them.
  if (bytes.toString('base64url') !== id) {
    throw new CallbackIdError('malformed', 'not a callback id: it is not the base64url text delegate() gave (changed or cut)');
  }
  if (bytes.length < MIN_BYTES || bytes.length > MAX_BYTES) {
    throw new CallbackIdError('malformed', `not a callback id: it decodes to ${bytes.length} bytes; a callback id holds ${MIN_BYTES} to ${MAX_BYTES}`);
  }
  const version = bytes.readUInt8(0);
  if (version !== VERSION) {
    throw new CallbackIdError('malformed', `not a callback id this service knows: format version ${version}; it reads version ${VERSION}`);
  }
  const header = bytes.subarray(0, HEADER);
  const key = ring.find(header.subarray(1));
  if (!key) {
    throw new CallbackIdError(
      'unauthentic',
      `callback id sealed with key ${header.subarray(1).toString('hex')}, which this service does not hold: forged, or its secret was rotated out`,
    );
  }
  const iv = bytes.subarray(HEADER, HEADER + IV);
  const tag = bytes.subarray(bytes.length - TAG);
  const decipher = createDecipheriv('aes-256-gcm', key.key, iv, { authTagLength: TAG });
  decipher.setAAD(header);
  decipher.setAuthTag(tag);
  let plain: Buffer;
  try {
    plain = Buffer.concat([decipher.update(bytes.subarray(HEADER + IV, bytes.length - TAG)), decipher.final()]);
  } catch {
    throw new CallbackIdError('unauthentic', `callback id fails authentication with key ${key.id}: it was changed or forged`);
  }
  const expiresAt = Number(plain.readBigUInt64BE(0));
  if (now >= expiresAt) {
    throw new CallbackIdError(
      'expired',
      `callback id expired at ${new Date(expiresAt).toISOString()} (${Math.round((now - expiresAt) / 1000)} s ago); the task has most likely timed out in SWF too`,
    );
  }
  return { taskToken: plain.subarray(EXPIRY).toString('utf8'), expiresAt, keyId: key.id };
}
