/**
 * The encrypted secret store: `<dataDir>/secrets.json` (mode 0600), each value
 * sealed with AES-256-GCM under the master key (see sealed-entry.ts).
 *
 * Values are decrypted on demand, by `reveal()` only. Opening (and reloading)
 * decrypts every entry once to prove the file and key are sound, then wipes the
 * plaintext: a tampered file or a wrong key fails at start-up, naming the entry,
 * not at the first request. The first `reveal()` of a name decrypts it and keeps
 * the plaintext in a private field (a fresh AES-GCM decipher per request was ~3 % of
 * an intercepted request's CPU); every change to the entries (reload, set, remove)
 * wipes what was kept. An inspected or logged store object shows names only; each
 * caller gets its own copy, which it may wipe.
 *
 * @example
 * const store = await FileSecretStore.open(config.data_dir);
 * await store.set('github', tokenFromStdin);
 * store.list();            // [{ name: 'github', setAt: '2025-...' }]
 * store.reveal('github');  // Buffer (the injector's accessor; never log it)
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { removeLeftoverTemps, writePrivateFile } from './atomic-write.js';
import { CredentialError } from './errors.js';
import { ensureMasterKey, loadMasterKey, MASTER_KEY_FILE } from './master-key.js';
import { open as openEntry, seal } from './sealed-entry.js';
import type { SealedEntry } from './sealed-entry.js';
import { assertSecretName, isSecretName } from './secret-name.js';
import { parseStoreFile, serializeStore, STORE_FILE } from './store-format.js';
import { withFileLock } from './store-lock.js';

/** Largest value accepted by set(): secrets are tokens and keys, not files. */
export const MAX_SECRET_BYTES = 64 * 1024;

export interface FileSecretStoreOptions {
  /** Use this key instead of SLUICE_MASTER_KEY / master.key (tests, embedding). */
  masterKey?: Buffer;
  /** Environment to read SLUICE_MASTER_KEY from; default process.env. */
  env?: NodeJS.ProcessEnv;
}

export class FileSecretStore {
  readonly file: string;
  readonly #dataDir: string;
  readonly #env: NodeJS.ProcessEnv;
  #key: Buffer | undefined;
  #entries = new Map<string, SealedEntry>();
  /** Plaintext of the entries revealed so far; wiped whenever #entries changes. Never logged or serialised. */
  readonly #plain = new Map<string, Buffer>();
  // Serialises set/remove inside this process; each write re-reads the file first.
  #writing: Promise<unknown> = Promise.resolve();

  private constructor(dataDir: string, key: Buffer | undefined, env: NodeJS.ProcessEnv) {
    this.#dataDir = dataDir;
    this.file = join(dataDir, STORE_FILE);
    this.#key = key;
    this.#env = env;
  }

  /**
   * Open the store in `dataDir`. A missing file is an empty store. Throws a
   * CredentialError if the file is malformed, an entry does not authenticate, or
   * the store has entries but no master key is available.
   */
  static async open(dataDir: string, opts: FileSecretStoreOptions = {}): Promise<FileSecretStore> {
    const env = opts.env ?? process.env;
    const key = opts.masterKey ? Buffer.from(opts.masterKey) : await loadMasterKey(dataDir, env);
    if (key && key.length !== 32) throw new CredentialError('master_key_invalid', 'the master key must be 32 bytes');
    const store = new FileSecretStore(dataDir, key, env);
    await store.reload();
    return store;
  }

  /** Re-read the file (after another process changed it) and verify every entry. On failure the store keeps its previous contents. */
  async reload(): Promise<void> {
    this.#replace(await this.#readVerified());
  }

  /** Swap in new entries and wipe every value decrypted from the old ones. */
  #replace(entries: Map<string, SealedEntry>): void {
    this.#entries = entries;
    for (const v of this.#plain.values()) v.fill(0);
    this.#plain.clear();
  }

  /** Names and when each was set, sorted by name. Never values. */
  list(): { name: string; setAt: string }[] {
    return [...this.#entries.keys()].sort().map((name) => ({ name, setAt: this.#entries.get(name)!.set_at }));
  }

  /** Whether `name` is set. */
  has(name: string): boolean {
    return this.#entries.has(name);
  }

  /**
   * The one accessor that returns a value: a fresh Buffer with the decrypted
   * secret, or undefined when `name` is not set. For the injector only.
   */
  reveal(name: string): Buffer | undefined {
    const entry = isSecretName(name) ? this.#entries.get(name) : undefined;
    if (!entry || !this.#key) return undefined;
    let value = this.#plain.get(name);
    if (!value) {
      value = openEntry(this.#key, name, entry);
      if (!value) throw this.#undecryptable([name], 1);
      this.#plain.set(name, value);
    }
    return Buffer.from(value);
  }

  /** Set `name` to `value` (1 byte to 64 KiB), creating the master key file if there is no key yet. */
  async set(name: string, value: string | Buffer): Promise<void> {
    assertSecretName(name);
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
    try {
      if (bytes.length === 0) throw new CredentialError('credential_invalid', `secret '${name}': the value is empty`, { ref: name });
      if (bytes.length > MAX_SECRET_BYTES) {
        throw new CredentialError('credential_invalid', `secret '${name}': the value is larger than ${MAX_SECRET_BYTES} bytes`, { ref: name });
      }
      await this.#write((entries, key) => entries.set(name, seal(key, name, bytes)));
    } finally {
      bytes.fill(0);
    }
  }

  /** Remove `name`; false if it was not set. */
  async remove(name: string): Promise<boolean> {
    assertSecretName(name);
    let removed = false;
    await this.#write((entries) => {
      removed = entries.delete(name);
    });
    return removed;
  }

  /**
   * Read, change and replace the file as one step across processes: under
   * `secrets.json.lock` (other `sluice secret` processes wait), and a compare-and-swap
   * on the file's inode just before the rename (a writer that bypassed or broke the
   * lock makes this update fail, never vanish). A crashed writer's temp files are
   * removed here, under the lock.
   */
  async #write(change: (entries: Map<string, SealedEntry>, key: Buffer) => void): Promise<void> {
    const run = this.#writing.then(() =>
      withFileLock(this.file, async () => {
        await removeLeftoverTemps(this.file);
        // A crash while creating master.key leaves a candidate key in a temp file: remove it
        // too, once it is old (master.key is created outside this lock, by init and set).
        await removeLeftoverTemps(join(this.#dataDir, MASTER_KEY_FILE), 60_000);
        if (!this.#key) {
          await ensureMasterKey(this.#dataDir, this.#env);
          this.#key = await loadMasterKey(this.#dataDir, this.#env);
          if (!this.#key) throw new CredentialError('master_key_missing', `no master key for ${this.file}`);
        }
        const before = await this.#inode();
        const entries = await this.#readVerified();
        change(entries, this.#key);
        await writePrivateFile(this.file, serializeStore(entries), async () => {
          if ((await this.#inode()) !== before) {
            throw new CredentialError(
              'credential_store_conflict',
              `${this.file} was changed by another process during this update; nothing was written (try again)`,
              {
                file: this.file,
              },
            );
          }
        });
        this.#replace(entries);
      }),
    );
    this.#writing = run.catch(() => undefined);
    await run;
  }

  /** Which version of the store file is there (every write renames a new file in: inode, and ctime against inode reuse), or null when none. */
  async #inode(): Promise<string | null> {
    try {
      const st = await stat(this.file, { bigint: true });
      return `${st.ino}:${st.ctimeNs}:${st.size}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new CredentialError('credential_store_invalid', `cannot read ${this.file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, {
        file: this.file,
      });
    }
  }

  async #readVerified(): Promise<Map<string, SealedEntry>> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return new Map();
      throw new CredentialError('credential_store_invalid', `cannot read ${this.file} (${code ?? 'error'})`, { file: this.file });
    }
    const entries = parseStoreFile(text, this.file);
    if (entries.size === 0) return entries;
    if (!this.#key) {
      throw new CredentialError(
        'master_key_missing',
        `${this.file} holds ${entries.size} secret(s) but there is no master key: set SLUICE_MASTER_KEY or restore ${join(this.#dataDir, 'master.key')}`,
        { file: this.file },
      );
    }
    const failed: string[] = [];
    for (const [name, entry] of entries) {
      const value = openEntry(this.#key, name, entry);
      if (value) value.fill(0);
      else failed.push(name);
    }
    if (failed.length > 0) throw this.#undecryptable(failed, entries.size);
    return entries;
  }

  #undecryptable(failed: string[], total: number): CredentialError {
    const names = failed.map((n) => `'${n}'`).join(', ');
    const message =
      failed.length === total && total > 1
        ? `${this.file}: no entry decrypts (${names}): the master key is not the one this store was written with ` +
          `(check SLUICE_MASTER_KEY or ${join(this.#dataDir, 'master.key')})`
        : `${this.file}: entry ${names} does not decrypt: the file was modified, the entry was copied from another name, ` +
          'or the master key is not the one it was written with';
    return new CredentialError('credential_store_invalid', message, { file: this.file, entries: failed });
  }

  /** Names only: a logged store shows what it holds, not the values or the key. */
  toJSON(): { file: string; secrets: string[] } {
    return { file: this.file, secrets: [...this.#entries.keys()].sort() };
  }

  [inspect.custom](): string {
    return `FileSecretStore ${inspect(this.toJSON())}`;
  }
}
