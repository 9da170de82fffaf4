import { createHash, hkdfSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigurationError } from '../swf/errors.js';

/** Fewest characters a callback secret may have. 32 random characters hold far more than AES-256's 256 bits of work. */
export const MIN_SECRET_LENGTH = 32;

/** One key derived from a secret: the AES-256-GCM key and the 4-byte id sealed ids carry to name it. */
export interface CallbackKey {
  /** 8 hex characters derived from the secret; shown in logs and errors, safe to show. */
  readonly id: string;
  /** @internal */
  readonly idBytes: Buffer;
  /** @internal The 32-byte AES-256-GCM key. */
  readonly key: Buffer;
}

/**
 * The keys a worker seals callback ids with and a callback service opens them with. The first key is
 * the current one (new ids are sealed with it); every key opens ids sealed with it, so a new secret
 * can be put first while ids sealed with the old one are still out.
 */
export interface CallbackKeyRing {
  /** The key new ids are sealed with. */
  readonly current: CallbackKey;
  /** Every key, current first. */
  readonly keys: readonly CallbackKey[];
  /** The key with this 4-byte id, if the ring holds it. */
  find(idBytes: Uint8Array): CallbackKey | undefined;
}

const SALT = Buffer.from('flowy-swf callback ids');

function deriveKey(secret: string): CallbackKey {
  const ikm = Buffer.from(secret, 'utf8');
  // HKDF (RFC 5869) turns any long secret into a uniform key; the key id comes from the same secret
  // under another label, so it names the key without saying anything about it.
  const key = Buffer.from(hkdfSync('sha256', ikm, SALT, 'v1 aes-256-gcm key', 32));
  const idBytes = Buffer.from(hkdfSync('sha256', ikm, SALT, 'v1 key id', 4));
  return { id: idBytes.toString('hex'), idBytes, key };
}

/**
 * Builds a key ring from secrets, current first. Each secret must be at least 32 characters
 * (`openssl rand -base64 48` makes a good one). Throws `ConfigurationError` naming the bad one.
 * @param where how to name a secret in errors, e.g. `line 2 of /etc/flowy/callback-secret`
 */
export function callbackKeyRing(secrets: readonly string[], where: (index: number) => string = (i) => `secret #${i + 1}`): CallbackKeyRing {
  if (!Array.isArray(secrets) || secrets.length === 0) {
    throw new ConfigurationError('callback secrets: none given; give at least one secret of 32 or more characters (e.g. from `openssl rand -base64 48`)');
  }
  const keys: CallbackKey[] = [];
  const seen = new Map<string, number>();
  secrets.forEach((secret, index) => {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
      const length = typeof secret === 'string' ? `${secret.length} characters` : `a ${typeof secret}`;
      throw new ConfigurationError(
        `callback secrets: ${where(index)} is ${length}; use at least ${MIN_SECRET_LENGTH} random characters (e.g. from \`openssl rand -base64 48\`)`,
      );
    }
    const key = deriveKey(secret);
    const before = seen.get(key.id);
    if (before !== undefined) {
      throw new ConfigurationError(`callback secrets: ${where(index)} is the same secret as ${where(before)}; remove one of them`);
    }
    seen.set(key.id, index);
    keys.push(key);
  });
  const byId = new Map(keys.map((k) => [k.id, k]));
  return {
    current: keys[0]!,
    keys,
    find: (idBytes) => byId.get(Buffer.from(idBytes).toString('hex')),
  };
}

/**
 * Parses a secret file: one secret per line, the current one first; blank lines and lines starting
 * with `#` are skipped, white space around a secret is dropped.
 */
export function parseSecretFile(text: string, fileName = 'the secret file'): CallbackKeyRing {
  const secrets: string[] = [];
  const lines: number[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    secrets.push(line);
    lines.push(index + 1);
  });
  if (secrets.length === 0) {
    throw new ConfigurationError(
      `callback secrets: ${fileName} holds no secret; write one per line, the current one first (e.g. \`openssl rand -base64 48 > ${fileName}\`)`,
    );
  }
  return callbackKeyRing(secrets, (i) => `line ${lines[i]} of ${fileName}`);
}

/** Reads and parses a secret file (see {@link parseSecretFile}); a file that cannot be read is a `ConfigurationError`. */
export function loadSecretFile(path: string): CallbackKeyRing {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigurationError(`callback secrets: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); give the path of a file with one secret per line`);
  }
  return parseSecretFile(text, path);
}

/** A short digest of a callback id, safe for logs: an id lets its holder finish a task, never log it whole. */
export function callbackDigest(id: string): string {
  return createHash('sha256').update(`callback:${id}`).digest('hex').slice(0, 12);
}
