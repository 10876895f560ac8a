/**
 * The config versions this gate has loaded (at start and each accepted reload), newest
 * last, bounded by `admin.policy_history`. Kept with their text so the API can show
 * what changed between two versions; the text is kept with what may be a secret taken
 * out (redact-config.ts: URL passwords, secret-named keys, credential headers), so no
 * route shows one. In memory: a restarted gate starts its history
 * with the version it started with (the audit trail keeps each record's version).
 *
 * @example
 * history.loaded(loaded);
 * history.list(); // [{ version, loaded_at, rules, diff }]
 */
import { lineDiff } from './line-diff.js';
import { redactConfigText } from './redact-config.js';

export interface PolicyVersion {
  readonly version: string;
  readonly loadedAt: number;
  readonly file: string;
  readonly rules: number;
  readonly text: string;
}

export class PolicyHistory {
  readonly #versions: PolicyVersion[] = [];
  #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  set max(n: number) {
    this.#max = n;
    this.#trim();
  }

  /** Record a load; a version equal to the current one is not recorded twice. */
  loaded(l: { version: string; file: string; raw: string; config: { rules: readonly unknown[] } }, at = Date.now()): void {
    if (this.#versions.at(-1)?.version === l.version) return;
    this.#versions.push({ version: l.version, loadedAt: at, file: l.file, rules: l.config.rules.length, text: redactConfigText(l.raw) });
    this.#trim();
  }

  current(): PolicyVersion | null {
    return this.#versions.at(-1) ?? null;
  }

  /** Newest first, each with the diff from the version loaded before it (null for the oldest kept). */
  list(): Array<PolicyVersion & { previous: string | null; diff: string | null }> {
    return this.#versions
      .map((v, i) => {
        const prev = i > 0 ? this.#versions[i - 1]! : null;
        return { ...v, previous: prev?.version ?? null, diff: prev === null ? null : lineDiff(prev.text, v.text) };
      })
      .reverse();
  }

  #trim(): void {
    while (this.#versions.length > this.#max) this.#versions.shift();
  }
}
