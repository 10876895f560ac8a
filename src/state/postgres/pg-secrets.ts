/**
 * The encrypted secret store in PostgreSQL (`state.backend: postgres`): the same
 * sealed entries as `secrets.json` (AES-256-GCM under the master key, the secret's
 * name as AAD; credentials/sealed-entry.ts), in the namespace's `secrets` table, so
 * `sluice secret set` through any replica's config reaches every replica. The master
 * key stays where it was: `SLUICE_MASTER_KEY` or `<data_dir>/master.key` on each
 * replica (give them all the same key). PostgreSQL only ever holds ciphertext.
 *
 * As the file store: opening and reloading decrypt every entry once to prove the key
 * (then wipe the plaintext); `reveal` decrypts on demand and keeps the value in a
 * private field; any change wipes what was kept. A change by another replica arrives
 * by NOTIFY on `<namespace>.secrets` and is announced through `onChange` (the gate
 * reloads its injectors and DLP needles, as it does when secrets.json changes).
 *
 * @example
 * const store = await PgSecretStore.open(conn, dataDir);
 * await store.set('github', tokenFromStdin);
 * store.reveal('github'); // Buffer (the injector's accessor; never log it)
 */
import { inspect } from 'node:util';
import type pg from 'pg';
import { CredentialError } from '../../credentials/errors.js';
import { ensureMasterKey, loadMasterKey } from '../../credentials/master-key.js';
import { open as openEntry, seal, type SealedEntry } from '../../credentials/sealed-entry.js';
import { assertSecretName, isSecretName } from '../../credentials/secret-name.js';
import type { SharedConnections } from '../shared-backend.js';
import { pgStateError } from './pg-watched-log.js';

/** Largest value accepted by set(), as the file store. */
const MAX_SECRET_BYTES = 64 * 1024;

export class PgSecretStore {
  readonly file: string;
  readonly #pool: pg.Pool;
  readonly #namespace: string;
  readonly #dataDir: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #release: () => Promise<void>;
  readonly #listeners = new Set<() => void>();
  #key: Buffer | undefined;
  #entries = new Map<string, SealedEntry>();
  readonly #plain = new Map<string, Buffer>();
  #listen: pg.PoolClient | null = null;
  #closed = false;

  /**
   * Open on the shared connections with the master key of `dataDir` (or
   * SLUICE_MASTER_KEY), load and verify every entry; with `watch`, LISTEN for changes.
   *
   * @example
   * const store = await PgSecretStore.open(conn, '/var/lib/sluice', { watch: true });
   */
  static async open(conn: SharedConnections, dataDir: string, opts: { watch?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<PgSecretStore> {
    const env = opts.env ?? process.env;
    const key = await loadMasterKey(dataDir, env);
    if (key && key.length !== 32) throw new CredentialError('master_key_invalid', 'the master key must be 32 bytes');
    const release = conn.use();
    const store = new PgSecretStore(conn, dataDir, key, env, release);
    try {
      await conn.ready();
      await store.reload();
      if (opts.watch === true) await store.#connectListener();
    } catch (err) {
      await store.close();
      throw pgStateError(conn.namespace, err);
    }
    return store;
  }

  private constructor(conn: SharedConnections, dataDir: string, key: Buffer | undefined, env: NodeJS.ProcessEnv, release: () => Promise<void>) {
    this.#pool = conn.pool;
    this.#namespace = conn.namespace;
    this.#dataDir = dataDir;
    this.#key = key;
    this.#env = env;
    this.#release = release;
    this.file = `PostgreSQL namespace ${conn.namespace} (secrets)`;
  }

  /** Re-read every entry and verify it decrypts; on failure the store keeps its previous contents. */
  async reload(): Promise<void> {
    this.#assertOpen();
    let rows: ({ name: string } & SealedEntry)[];
    try {
      rows = (await this.#pool.query<{ name: string } & SealedEntry>('SELECT name, iv, tag, ct, set_at FROM secrets')).rows;
    } catch (err) {
      throw pgStateError(this.#namespace, err);
    }
    const entries = new Map(rows.map((r) => [r.name, { iv: r.iv, tag: r.tag, ct: r.ct, set_at: r.set_at }]));
    // A key created since (the first 'sluice secret set' on this data directory).
    if (entries.size > 0 && !this.#key) this.#key = await loadMasterKey(this.#dataDir, this.#env);
    if (entries.size > 0 && !this.#key) {
      throw new CredentialError(
        'master_key_missing',
        `${this.file} holds ${entries.size} secret(s) but there is no master key: set SLUICE_MASTER_KEY or copy the replicas' master.key to ${this.#dataDir}`,
      );
    }
    const failed = [...entries].filter(([name, e]) => {
      const v = openEntry(this.#key!, name, e);
      v?.fill(0);
      return v === undefined;
    });
    if (failed.length > 0) {
      throw new CredentialError(
        'credential_store_invalid',
        `${this.file}: ${failed.map(([n]) => `'${n}'`).join(', ')} do(es) not decrypt: the master key is not the one the secrets were written with`,
        { entries: failed.map(([n]) => n) },
      );
    }
    this.#replace(entries);
  }

  list(): { name: string; setAt: string }[] {
    return [...this.#entries.keys()].sort().map((name) => ({ name, setAt: this.#entries.get(name)!.set_at }));
  }

  has(name: string): boolean {
    return this.#entries.has(name);
  }

  /** A fresh Buffer with the decrypted secret, or undefined when `name` is not set. For the injector only. */
  reveal(name: string): Buffer | undefined {
    const entry = isSecretName(name) ? this.#entries.get(name) : undefined;
    if (!entry || !this.#key) return undefined;
    let value = this.#plain.get(name);
    if (!value) {
      value = openEntry(this.#key, name, entry);
      if (!value) throw new CredentialError('credential_store_invalid', `${this.file}: entry '${name}' does not decrypt`, { entries: [name] });
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
      if (!this.#key) {
        await ensureMasterKey(this.#dataDir, this.#env);
        this.#key = await loadMasterKey(this.#dataDir, this.#env);
        if (!this.#key) throw new CredentialError('master_key_missing', `no master key for ${this.file}`);
      }
      const e = seal(this.#key, name, bytes);
      await this.#pool
        .query(
          `INSERT INTO secrets (name, iv, tag, ct, set_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (name) DO UPDATE SET iv = excluded.iv, tag = excluded.tag, ct = excluded.ct, set_at = excluded.set_at`,
          [name, e.iv, e.tag, e.ct, e.set_at],
        )
        .catch((err: unknown) => {
          throw pgStateError(this.#namespace, err);
        });
    } finally {
      bytes.fill(0);
    }
    await this.reload();
  }

  /** Remove `name`; false if it was not set. */
  async remove(name: string): Promise<boolean> {
    assertSecretName(name);
    let removed: boolean;
    try {
      removed = ((await this.#pool.query('DELETE FROM secrets WHERE name = $1', [name])).rowCount ?? 0) > 0;
    } catch (err) {
      throw pgStateError(this.#namespace, err);
    }
    await this.reload();
    return removed;
  }

  /** Hear of changes any replica made (reload, then rebuild what depends on the secrets). */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    this.#listen?.removeAllListeners('notification');
    this.#listen?.release(true);
    this.#listen = null;
    this.#replace(new Map());
    await this.#release();
  }

  toJSON(): { file: string; secrets: string[] } {
    return { file: this.file, secrets: [...this.#entries.keys()].sort() };
  }

  [inspect.custom](): string {
    return `PgSecretStore ${inspect(this.toJSON())}`;
  }

  #replace(entries: Map<string, SealedEntry>): void {
    this.#entries = entries;
    for (const v of this.#plain.values()) v.fill(0);
    this.#plain.clear();
  }

  #assertOpen(): void {
    if (this.#closed) throw new CredentialError('credential_store_invalid', `${this.file}: the secret store is closed`);
  }

  async #connectListener(): Promise<void> {
    const client = await this.#pool.connect();
    const channel = `${this.#namespace}.secrets`;
    client.on('error', () => {
      // Lost: a later change is seen at the next config reload (SIGHUP, or a file event) instead.
      if (this.#listen === client) this.#listen = null;
      client.release(true);
    });
    client.on('notification', (m) => {
      if (m.channel !== channel) return;
      for (const l of [...this.#listeners]) {
        try {
          l();
        } catch {
          // A listener's failure is its own to report.
        }
      }
    });
    await client.query(`LISTEN "${channel}"`);
    this.#listen = client;
  }
}
