/**
 * Secret references, as written in a rule's `secret:`: a store name (`github`),
 * `env:NAME` (the gate's environment), or `file:PATH` (relative to the config
 * folder; one trailing newline trimmed). The resolver turns a reference into its
 * value for the injector, and remembers every value it handed out so responses
 * can be scrubbed of them. Errors name the reference, never the value.
 *
 * File references are re-read when the file's mtime, size or inode changes: one
 * stat(2) per resolve, so a rotated token file takes effect on the next request.
 *
 * @example
 * const resolver = new SecretResolver(store, { baseDir: loaded.dir });
 * resolver.resolve('env:OPENAI_KEY'); // Buffer, or CredentialError 'credential_unavailable'
 * resolver.allValues();               // for the reflection scrubber and DLP
 */
import { readFileSync, statSync } from 'node:fs';
import { heldBySqlite } from '../state/private-sqlite.js';
import { resolve as resolvePath } from 'node:path';
import { inspect } from 'node:util';
import { CredentialError } from './errors.js';
import { isSecretName } from './secret-name.js';

/** The part of a store the resolver needs. */
export interface SecretSource {
  reveal(name: string): Buffer | undefined;
  list(): { name: string }[];
}

/** A parsed reference. */
export type SecretRef = { kind: 'store'; name: string } | { kind: 'env'; name: string } | { kind: 'file'; path: string };

/** Largest `file:` secret read; anything bigger is a wrong path, not a token. */
export const MAX_FILE_SECRET_BYTES = 64 * 1024;

/**
 * Parse a reference; throws CredentialError('credential_invalid') when it is none of the three forms.
 *
 * @example
 * parseSecretRef('file:./token.txt'); // { kind: 'file', path: './token.txt' }
 */
export function parseSecretRef(ref: string): SecretRef {
  if (ref.startsWith('env:')) {
    const name = ref.slice(4);
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return { kind: 'env', name };
  } else if (ref.startsWith('file:')) {
    const path = ref.slice(5);
    if (path.length > 0 && !path.includes('\0')) return { kind: 'file', path };
  } else if (isSecretName(ref)) {
    return { kind: 'store', name: ref };
  }
  throw new CredentialError(
    'credential_invalid',
    `invalid secret reference ${JSON.stringify(ref.slice(0, 100))}: expected a store name, env:NAME or file:PATH`,
    { ref: ref.slice(0, 100) },
  );
}

interface FileCacheEntry {
  mtimeMs: number;
  size: number;
  ino: number;
  value: Buffer;
}

export interface SecretResolverOptions {
  /** Folder `file:` paths resolve against (the config file's folder). */
  baseDir: string;
  /** Environment for `env:` references; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export class SecretResolver {
  readonly #store: SecretSource;
  readonly #baseDir: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #files = new Map<string, FileCacheEntry>();
  readonly #envSeen = new Map<string, Buffer>();

  constructor(store: SecretSource, opts: SecretResolverOptions) {
    this.#store = store;
    this.#baseDir = opts.baseDir;
    this.#env = opts.env ?? process.env;
  }

  /**
   * The value of `ref`, as a fresh Buffer. Throws CredentialError with reason
   * 'credential_unavailable' (`secret 'REF' is not set`) when there is none.
   */
  resolve(ref: string): Buffer {
    const parsed = parseSecretRef(ref);
    let value: Buffer | undefined;
    switch (parsed.kind) {
      case 'store':
        value = this.#store.reveal(parsed.name);
        break;
      case 'env': {
        const v = this.#env[parsed.name];
        if (v !== undefined && v !== '') {
          value = Buffer.from(v, 'utf8');
          this.#envSeen.set(parsed.name, Buffer.from(value));
        }
        break;
      }
      case 'file':
        value = this.#readFile(ref, parsed.path);
        break;
    }
    if (!value || value.length === 0) {
      throw new CredentialError('credential_unavailable', `secret '${ref}' is not set`, { ref });
    }
    return value;
  }

  /**
   * Every value this resolver holds or has handed out: all store entries, every
   * env: and file: value resolved so far (current contents). Fresh copies.
   */
  allValues(): Buffer[] {
    const out: Buffer[] = [];
    for (const { name } of this.#store.list()) {
      const v = this.#store.reveal(name);
      if (v && v.length > 0) out.push(v);
    }
    for (const v of this.#envSeen.values()) out.push(Buffer.from(v));
    for (const f of this.#files.values()) out.push(Buffer.from(f.value));
    return out;
  }

  #readFile(ref: string, path: string): Buffer | undefined {
    const abs = resolvePath(this.#baseDir, path);
    let st;
    try {
      st = statSync(abs);
    } catch (err) {
      this.#files.delete(abs);
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw this.#unreadable(ref, err);
    }
    const cached = this.#files.get(abs);
    if (cached && cached.mtimeMs === st.mtimeMs && cached.size === st.size && cached.ino === st.ino) {
      return Buffer.from(cached.value);
    }
    if (!st.isFile() || st.size > MAX_FILE_SECRET_BYTES) {
      throw new CredentialError('credential_unavailable', `secret '${ref}' is not a regular file of at most ${MAX_FILE_SECRET_BYTES} bytes`, { ref });
    }
    // Reading one of the gate's own SQLite files would close a descriptor of it and so
    // drop the gate's SQLite locks (see state/private-sqlite.ts); it is no secret anyway.
    if (heldBySqlite(st) !== null) {
      throw new CredentialError('credential_unavailable', `secret '${ref}' is one of the gate's own database files; refusing to read it`, { ref });
    }
    let raw: Buffer;
    try {
      raw = readFileSync(abs);
    } catch (err) {
      throw this.#unreadable(ref, err);
    }
    const value = Buffer.from(trimOneNewline(raw));
    raw.fill(0);
    this.#files.set(abs, { mtimeMs: st.mtimeMs, size: st.size, ino: st.ino, value });
    return Buffer.from(value);
  }

  #unreadable(ref: string, err: unknown): CredentialError {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return new CredentialError('credential_unavailable', `secret '${ref}' cannot be read (${code})`, { ref });
  }

  /** References it has resolved are not shown; values never are. */
  [inspect.custom](): string {
    return `SecretResolver { baseDir: ${inspect(this.#baseDir)} }`;
  }

  toJSON(): { baseDir: string } {
    return { baseDir: this.#baseDir };
  }
}

/** Drop one trailing "\n" or "\r\n" (what editors and `echo` add), nothing else. */
export function trimOneNewline(b: Buffer): Buffer {
  if (b.length > 0 && b[b.length - 1] === 0x0a) {
    return b.length > 1 && b[b.length - 2] === 0x0d ? b.subarray(0, b.length - 2) : b.subarray(0, b.length - 1);
  }
  return b;
}
