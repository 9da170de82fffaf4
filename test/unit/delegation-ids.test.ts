import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  callbackDigest,
  callbackKeyRing,
  CallbackIdError,
  createDelegator,
  loadSecretFile,
  openCallbackId,
  parseSecretFile,
  resolveDelegator,
  sealCallbackId,
  MAX_CALLBACK_ID_LENGTH,
  NO_TIMEOUT_EXPIRY_MS,
} from '../../src/delegation/index.js';
import { ConfigurationError } from '../../src/swf/errors.js';

const A = 'a-secret-of-at-least-thirty-two-characters-AAAA';
const B = 'another-secret-of-thirty-two-characters-or-more-BB';
const NOW = 1_800_000_000_000;

function problemOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (error instanceof CallbackIdError) return error.problem;
    throw error;
  }
}

describe('callback ids', () => {
  const ring = callbackKeyRing([A]);

  it('seal then open gives back the token and expiry; two seals of one token differ (random IV)', () => {
    const token = 'AAAAKgAAAAEAAAAAAAAAAj' + 'x'.repeat(900) + 'ü';
    const one = sealCallbackId(ring, token, NOW + 1000);
    const two = sealCallbackId(ring, token, NOW + 1000);
    expect(one).not.toBe(two);
    expect(one).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(openCallbackId(ring, one, NOW)).toEqual({ taskToken: token, expiresAt: NOW + 1000, keyId: ring.current.id });
    expect(one).not.toContain('xxxxxxxx');
  });

  it('a 1,024-character token makes an id within MAX_CALLBACK_ID_LENGTH', () => {
    const id = sealCallbackId(ring, 't'.repeat(1024), NOW + 1);
    expect(id.length).toBeLessThan(MAX_CALLBACK_ID_LENGTH);
    expect(openCallbackId(ring, id, NOW).taskToken).toHaveLength(1024);
  });

  it('every single changed character is refused (never opened to another token)', () => {
    const id = sealCallbackId(ring, 'token-1', NOW + 1000);
    for (let i = 0; i < id.length; i++) {
      const changed = id.slice(0, i) + (id[i] === 'A' ? 'B' : 'A') + id.slice(i + 1);
      const problem = problemOf(() => openCallbackId(ring, changed, NOW));
      // The last character may change only unused bits: refused as another spelling (malformed).
      expect(['unauthentic', 'malformed'], `character ${i}`).toContain(problem);
    }
  });

  it('malformed: wrong characters, too short, unknown version', () => {
    expect(problemOf(() => openCallbackId(ring, 'has spaces', NOW))).toBe('malformed');
    expect(problemOf(() => openCallbackId(ring, 'abc', NOW))).toBe('malformed');
    const bytes = Buffer.from(sealCallbackId(ring, 'x', NOW + 1), 'base64url');
    bytes[0] = 2;
    expect(() => openCallbackId(ring, bytes.toString('base64url'), NOW)).toThrow(/format version 2/);
  });

  it('expired at its expiry, judged by the now given', () => {
    const id = sealCallbackId(ring, 'x', NOW + 1000);
    expect(openCallbackId(ring, id, NOW + 999).taskToken).toBe('x');
    expect(problemOf(() => openCallbackId(ring, id, NOW + 1000))).toBe('expired');
  });

  it('an expired id that was also changed is unauthentic, not expired: authentication comes first', () => {
    const id = sealCallbackId(ring, 'x', NOW - 1);
    const changed = id.slice(0, 20) + (id[20] === 'A' ? 'B' : 'A') + id.slice(21);
    expect(problemOf(() => openCallbackId(ring, changed, NOW))).toBe('unauthentic');
  });

  it('rotation: the first key seals, every key opens; a dropped key is refused naming its id', () => {
    const old = callbackKeyRing([A]);
    const rotating = callbackKeyRing([B, A]);
    const after = callbackKeyRing([B]);
    const oldId = sealCallbackId(old, 'old', NOW + 1000);
    const newId = sealCallbackId(rotating, 'new', NOW + 1000);
    expect(openCallbackId(rotating, oldId, NOW).keyId).toBe(old.current.id);
    expect(openCallbackId(rotating, newId, NOW).keyId).toBe(after.current.id);
    expect(openCallbackId(after, newId, NOW).taskToken).toBe('new');
    expect(() => openCallbackId(after, oldId, NOW)).toThrow(new RegExp(`sealed with key ${old.current.id}, which this service does not hold`));
    expect(problemOf(() => openCallbackId(old, newId, NOW))).toBe('unauthentic');
  });

  it('the digest is short, stable, and not a prefix of the id', () => {
    const id = sealCallbackId(ring, 'x', NOW + 1);
    expect(callbackDigest(id)).toMatch(/^[0-9a-f]{12}$/);
    expect(callbackDigest(id)).toBe(callbackDigest(id));
    expect(id.startsWith(callbackDigest(id))).toBe(false);
  });
});

describe('secrets', () => {
  it('refuses short, missing and duplicate secrets, naming where they are', () => {
    expect(() => callbackKeyRing([])).toThrow(ConfigurationError);
    expect(() => callbackKeyRing(['short'])).toThrow(/secret #1 is 5 characters; use at least 32/);
    expect(() => parseSecretFile(`# comment\n\n${A}\n${A}\n`, 'f')).toThrow(/line 4 of f is the same secret as line 3 of f/);
    expect(() => parseSecretFile('# only a comment\n', 'f')).toThrow(/f holds no secret/);
    expect(() => loadSecretFile('/nonexistent/flowy-secret')).toThrow(/cannot read \/nonexistent\/flowy-secret \(ENOENT\)/);
  });

  it('reads a file: comments and blank lines skipped, white space trimmed, first line current', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowy-keys-'));
    writeFileSync(join(dir, 's'), `# rotated 2026-12-01\n  ${B}  \r\n\n${A}\n`);
    const ring = loadSecretFile(join(dir, 's'));
    expect(ring.keys).toHaveLength(2);
    expect(ring.current.id).toBe(callbackKeyRing([B]).current.id);
    expect(ring.current.id).toMatch(/^[0-9a-f]{8}$/);
  });
});

describe('delegator', () => {
  const keys = callbackKeyRing([A]);
  const task = { taskToken: 'tok', receivedAt: NOW, startToCloseTimeout: '300', scheduleToCloseTimeout: '120' };

  it('default expiry: the shorter finite timeout, from when the task arrived; 30 days when both are NONE', () => {
    const d = createDelegator({ keys, callbackUrl: 'https://hooks.example.com/flowy/' });
    const h = d.delegate(task, NOW + 5000);
    expect(h.expiresAt.getTime()).toBe(NOW + 120_000);
    expect(h.url).toBe(`https://hooks.example.com/flowy/v1/callbacks/${h.id}`);
    expect(d.delegate({ ...task, startToCloseTimeout: 'NONE', scheduleToCloseTimeout: 'NONE' }, NOW).expiresAt.getTime()).toBe(NOW + NO_TIMEOUT_EXPIRY_MS);
    expect(d.delegate({ ...task, scheduleToCloseTimeout: 'NONE' }, NOW).expiresAt.getTime()).toBe(NOW + 300_000);
  });

  it('expiresInMs counts from now; a bad one is refused', () => {
    const d = createDelegator({ keys, callbackUrl: 'http://127.0.0.1:8080' });
    expect(d.delegate(task, NOW + 5000, { expiresInMs: 1000 }).expiresAt.getTime()).toBe(NOW + 6000);
    expect(() => d.delegate(task, NOW, { expiresInMs: 0 })).toThrow(/expiresInMs must be a number of milliseconds > 0/);
  });

  it('refuses a callback URL that is not http(s), or has a query', () => {
    expect(() => createDelegator({ keys, callbackUrl: 'hooks.example.com' })).toThrow(/is not a URL/);
    expect(() => createDelegator({ keys, callbackUrl: 'ftp://x' })).toThrow(/must start with https:\/\//);
    expect(() => createDelegator({ keys, callbackUrl: 'https://x/?a=1' })).toThrow(/no \?query/);
  });

  it('resolveDelegator: options, else environment; none at all is undefined; half a configuration is an error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowy-keys-'));
    writeFileSync(join(dir, 's'), `${A}\n`);
    expect(resolveDelegator({}, {})).toBeUndefined();
    expect(resolveDelegator({}, { FLOWY_SWF_CALLBACK_SECRET_FILE: join(dir, 's'), FLOWY_SWF_CALLBACK_URL: 'https://h' })?.callbackUrl).toBe('https://h');
    expect(resolveDelegator({ callbackSecrets: [A], callbackUrl: 'https://o' }, { FLOWY_SWF_CALLBACK_URL: 'https://e' })?.callbackUrl).toBe('https://o');
    expect(() => resolveDelegator({ callbackUrl: 'https://h' }, {})).toThrow(/no callback secret: pass callbackSecretFile \(--callback-secret-file/);
    expect(() => resolveDelegator({ callbackSecrets: [A] }, {})).toThrow(/no callbackUrl: pass the callback service's public URL \(--callback-url/);
    expect(() => resolveDelegator({ callbackSecrets: [A], callbackSecretFile: 'x', callbackUrl: 'https://h' }, {})).toThrow(/not both/);
  });
});
