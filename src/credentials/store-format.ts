/**
 * The on-disk shape of `secrets.json`, checked field by field when read:
 * `{ "version": 1, "entries": { "<name>": { "iv", "tag", "ct", "set_at" } } }`.
 * Problems name the file and the entry; ciphertexts are never quoted.
 *
 * @example
 * const entries = parseStoreFile(text, '/data/secrets.json'); // Map<name, SealedEntry>
 * const text2 = serializeStore(entries);
 */
import { CredentialError } from './errors.js';
import { IV_BYTES, TAG_BYTES } from './sealed-entry.js';
import type { SealedEntry } from './sealed-entry.js';
import { isSecretName } from './secret-name.js';

export const STORE_FILE = 'secrets.json';
export const STORE_VERSION = 1;

const B64 = /^[A-Za-z0-9+/]*={0,2}$/;

function invalid(file: string, what: string, entry?: string): CredentialError {
  const where = entry === undefined ? file : `${file}: entry '${entry}'`;
  return new CredentialError('credential_store_invalid', `${where}: ${what}`, entry === undefined ? { file } : { file, entry });
}

function b64Field(file: string, name: string, raw: Record<string, unknown>, field: string, bytes?: number): string {
  const v = raw[field];
  if (typeof v !== 'string' || !B64.test(v) || v.length % 4 !== 0) {
    throw invalid(file, `'${field}' is not base64`, name);
  }
  if (bytes !== undefined && Buffer.from(v, 'base64').length !== bytes) {
    throw invalid(file, `'${field}' must be ${bytes} bytes`, name);
  }
  return v;
}

/** Parse and check the store file's text; throws a CredentialError naming the file (and entry). */
export function parseStoreFile(text: string, file: string): Map<string, SealedEntry> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw invalid(file, 'not valid JSON (was it edited by hand or truncated?)');
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalid(file, 'expected a JSON object');
  const { version, entries } = doc as Record<string, unknown>;
  if (version !== STORE_VERSION) throw invalid(file, `unsupported version (expected ${STORE_VERSION})`);
  if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) {
    throw invalid(file, "'entries' must be an object");
  }
  const out = new Map<string, SealedEntry>();
  for (const [name, raw] of Object.entries(entries)) {
    if (!isSecretName(name)) throw invalid(file, `entry name ${JSON.stringify(name.slice(0, 80))} is not a valid secret name`);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid(file, 'expected an object', name);
    const r = raw as Record<string, unknown>;
    const setAt = r.set_at;
    if (typeof setAt !== 'string' || Number.isNaN(Date.parse(setAt))) throw invalid(file, "'set_at' is not an ISO date", name);
    out.set(name, {
      iv: b64Field(file, name, r, 'iv', IV_BYTES),
      tag: b64Field(file, name, r, 'tag', TAG_BYTES),
      ct: b64Field(file, name, r, 'ct'),
      set_at: setAt,
    });
  }
  return out;
}

/** The file's text for `entries`, names sorted so diffs and backups are stable. */
export function serializeStore(entries: ReadonlyMap<string, SealedEntry>): string {
  const obj: Record<string, SealedEntry> = {};
  for (const name of [...entries.keys()].sort()) {
    const e = entries.get(name)!;
    // defineProperty: a name such as '__proto__' must become a key, not a prototype.
    Object.defineProperty(obj, name, {
      value: { iv: e.iv, tag: e.tag, ct: e.ct, set_at: e.set_at },
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return `${JSON.stringify({ version: STORE_VERSION, entries: obj }, null, 2)}\n`;
}
