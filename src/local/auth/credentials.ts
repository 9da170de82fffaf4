/** Where the local endpoint's access keys come from: a shared credentials file, or its environment. @internal */

/** One access key the endpoint accepts. */
export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
  /** When set, a request signed with this key must carry this `x-amz-security-token`. */
  sessionToken?: string;
}

/** A key ID or secret as the AWS tools write them: printable ASCII, no spaces. */
const KEY_TEXT = /^[\x21-\x7e]+$/;

/** Checks one configured key; `where` names it in the error. */
export function checkAccessKey(key: AccessKey, where: string): AccessKey {
  if (key === null || typeof key !== 'object') {
    throw new TypeError(`${where} is ${JSON.stringify(key)}; give { accessKeyId, secretAccessKey, sessionToken? }`);
  }
  for (const field of ['accessKeyId', 'secretAccessKey'] as const) {
    const value: unknown = key[field];
    if (typeof value !== 'string' || !KEY_TEXT.test(value)) {
      throw new TypeError(`${where}: ${field} must be a non-empty string of printable characters with no spaces; got ${JSON.stringify(value)}`);
    }
  }
  if (key.sessionToken !== undefined && (typeof key.sessionToken !== 'string' || key.sessionToken.trim() === '')) {
    throw new TypeError(`${where}: sessionToken, when given, must be a non-empty string`);
  }
  return key.sessionToken === undefined
    ? { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }
    : { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, sessionToken: key.sessionToken };
}

/**
 * Reads every profile's keys from the text of an AWS shared credentials file (`~/.aws/credentials`):
 * `[name]` sections of `aws_access_key_id`, `aws_secret_access_key` and `aws_session_token`; lines starting with
 * `#` or `;` are comments; indented lines (sub-settings) are skipped. A profile with no key ID is skipped
 * (it may name a role or an SSO session); one with a key ID but no secret is an error naming it.
 */
export function parseCredentialsFile(text: string, file: string): AccessKey[] {
  const profiles = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (section) {
      const name = (section[1] ?? '').replace(/^profile\s+/, '');
      current = profiles.get(name) ?? {};
      profiles.set(name, current);
      continue;
    }
    if (/^\s/.test(raw)) continue; // a sub-setting of the line above
    const eq = line.indexOf('=');
    if (eq <= 0 || current === undefined) {
      throw new TypeError(`${file} line ${index + 1}: expected "[profile]" or "key = value", got ${JSON.stringify(line.slice(0, 80))}`);
    }
    current[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim();
  }
  const keys: AccessKey[] = [];
  for (const [name, settings] of profiles) {
    const accessKeyId = settings.aws_access_key_id;
    if (accessKeyId === undefined || accessKeyId === '') continue;
    const secretAccessKey = settings.aws_secret_access_key;
    if (secretAccessKey === undefined || secretAccessKey === '') {
      throw new TypeError(`${file}: profile [${name}] has aws_access_key_id but no aws_secret_access_key; add it or remove the profile`);
    }
    const sessionToken = settings.aws_session_token;
    keys.push(checkAccessKey({ accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) }, `${file} profile [${name}]`));
  }
  return keys;
}

/** The key of `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`), or none. */
export function keysFromEnvironment(env: NodeJS.ProcessEnv): AccessKey[] {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId && !secretAccessKey) return [];
  if (!accessKeyId || !secretAccessKey) {
    const missing = accessKeyId ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID';
    throw new TypeError(`auth: the environment has ${missing === 'AWS_ACCESS_KEY_ID' ? 'AWS_SECRET_ACCESS_KEY' : 'AWS_ACCESS_KEY_ID'} but no ${missing}; set both, or give a credentials file`);
  }
  const sessionToken = env.AWS_SESSION_TOKEN;
  return [checkAccessKey({ accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) }, 'the environment (AWS_ACCESS_KEY_ID)')];
}
