/**
 * The composition root: every store and service Sluice keeps in its data directory
 * is opened here, once, from the config, for whoever needs it: the gate, `sluice mcp`,
 * the CLI commands, the admin server. A consumer names what it needs and gets only
 * that (a `sluice revoke` must not open the audit trail or read the master key), typed
 * so it cannot use what it did not ask for; `close()` closes what was opened, last
 * opened first, the audit trail after everything else.
 *
 * @example
 * const rt = await openRuntime(loaded, { need: ['revocations', 'pins'] });
 * try {
 *   rt.revocations.isRevoked(principal);
 * } finally {
 *   await rt.close();
 * }
 */
import type { Logger } from 'pino';
import { buildAuditTrail } from '../audit/trail-from-config.js';
import type { LoadedConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import type { StateBackendName, StateConfig } from '../config/state-section.js';
import { FileSecretStore } from '../credentials/file-store.js';
import { loadVerifyKey } from '../identity/keys.js';
import { TokenVerifier } from '../identity/token-verifier.js';
import type { BudgetStore } from '../state/budgets.js';
import type { SqliteBudgetOptions as BudgetStoreOptions } from '../state/sqlite-budgets.js';
import type { ApprovalStoreOptions, RevocationStoreOptions, StopStoreOptions } from '../state/index.js';
import type { ApprovalStore } from '../state/approvals.js';
import type { RateBucketStore } from '../state/rate-buckets.js';
import type { RateBucketStoreOptions } from '../state/sqlite-rate-buckets.js';
import type { BlastRadiusStore } from '../state/blast-radius.js';
import type { BlastRadiusStoreOptions } from '../state/sqlite-blast-radius.js';
import { SqliteAuditReader } from './audit-reader.js';
import type { AuditReader, AuditWriter, RevocationStore, SecretStore, StopStore, ToolPinStore } from './interfaces.js';
import { stateBackend, type PinOptions } from './state-backend.js';

/** Clock skew allowed on token expiry: tokens are minted on this host or its peers, a second, not minutes. */
export const CLOCK_TOLERANCE_SEC = 1;

/** The services a consumer may ask for, each opened only when asked. */
export interface Services {
  secrets: SecretStore;
  revocations: RevocationStore;
  pins: ToolPinStore;
  /** The kill switch and quarantines. */
  stops: StopStore;
  verifier: TokenVerifier;
  /** Budget counters. */
  budgets: BudgetStore;
  /** Human approvals (state/approvals.ts). */
  approvals: ApprovalStore;
  /** Rate-limit token buckets (state/rate-buckets.ts). */
  rateBuckets: RateBucketStore;
  /** Per-session blast radius (state/blast-radius.ts). */
  blastRadius: BlastRadiusStore;
}

export type Need = keyof Services | 'auditWriter' | 'auditReader';

/** In the order they are opened (and closed in reverse): the gate's order before the runtime existed. */
const ORDER: readonly Need[] = ['secrets', 'verifier', 'revocations', 'stops', 'budgets', 'approvals', 'pins', 'auditWriter', 'auditReader'];
/** The rest, after the audit trail (closed first; the trail is flushed last whatever the order). */
const OPEN_ORDER: readonly Need[] = [...ORDER, 'rateBuckets', 'blastRadius'];

/**
 * What to open from: a loaded config, or (a CLI command that must work while the
 * config is invalid: `sluice revoke`, `sluice secret`) only its data directory, where
 * the default state backend and defaults for the rest apply.
 */
export type RuntimeSource = LoadedConfig | { readonly dataDir: string };

export interface RuntimeOptions<N extends Need> {
  need: readonly N[];
  /** The audit writer's logger (failures, journal replay). Required with `auditWriter`. */
  logger?: Logger;
  revocations?: RevocationStoreOptions;
  stops?: StopStoreOptions;
  budgets?: BudgetStoreOptions;
  approvals?: ApprovalStoreOptions;
  /** Default: `rate_limits.max_buckets` from the config. */
  rateBuckets?: RateBucketStoreOptions;
  /** Default: `blast_radius.max_sessions` from the config. */
  blastRadius?: BlastRadiusStoreOptions;
  pins?: PinOptions;
  audit?: {
    /** The config the trail is built from, when it differs from the loaded one (`sluice mcp` drops stdout). */
    config?: Config;
    /** Replaces the sinks the config asks for (tests, embedders); the journal stays in front. */
    sinks?: AuditWriter;
  };
}

/** The opened services: only those named in `need`, and `audit.writer` / `audit.reader` when asked. */
export type Runtime<N extends Need> = Pick<Services, Extract<N, keyof Services>> & {
  readonly audit: ('auditWriter' extends N ? { readonly writer: AuditWriter } : unknown) &
    ('auditReader' extends N ? { readonly reader: AuditReader } : unknown);
  /** Where every store lives. */
  readonly dataDir: string;
  /** The `state.backend` the shared state was opened with. */
  readonly backend: StateBackendName;
  /** Close everything opened here, last opened first and the audit writer (flushed) last; idempotent. */
  close(this: void): Promise<void>;
};

/**
 * Open what `opts.need` names, from the config (or only its data directory). A
 * failure closes what was already opened and throws the store's own error, so a
 * command's message is what it was before the runtime existed.
 *
 * @example
 * const { revocations, close } = await openRuntime({ dataDir }, { need: ['revocations'], revocations: { watch: false } });
 */
export async function openRuntime<N extends Need>(from: RuntimeSource, opts: RuntimeOptions<N>): Promise<Runtime<N>> {
  const config = 'config' in from ? from.config : null;
  const dataDir = config?.data_dir ?? ('dataDir' in from ? from.dataDir : '');
  const state: StateConfig = config?.state ?? { backend: 'sqlite', namespace: 'sluice', redis_down: 'refuse' };
  const backendName: StateBackendName = state.backend;
  const backend = stateBackend(state, dataDir);
  const wanted = new Set<Need>(opts.need);
  const closers: Array<() => Promise<void>> = [];
  /** A store opened here, closed (in reverse order) by `close`. */
  const held = <T extends { close(): Promise<void> }>(store: T): T => {
    closers.push(() => store.close());
    return store;
  };
  // Flushed after the rest are closed, whatever the opening order: closing a store must
  // never find the trail it would record to already closed.
  let closeAudit: () => Promise<void> = () => Promise.resolve();
  const out: Record<string, unknown> = {};
  const audit: { writer?: AuditWriter; reader?: AuditReader } = {};
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    let first: unknown = null;
    for (const c of [...closers.reverse(), closeAudit]) {
      try {
        await c();
      } catch (err) {
        first ??= err;
      }
    }
    if (first !== null) throw first instanceof Error ? first : new Error('closing the runtime failed');
  };
  try {
    for (const need of OPEN_ORDER) {
      if (!wanted.has(need)) continue;
      switch (need) {
        case 'secrets':
          out.secrets = await FileSecretStore.open(dataDir);
          break;
        case 'verifier':
          out.verifier = new TokenVerifier(await loadVerifyKey(dataDir), {
            clockToleranceSec: CLOCK_TOLERANCE_SEC,
            ...(config ? { maxTtlMs: config.identity.max_ttl } : {}),
          });
          break;
        case 'revocations':
          out.revocations = held(await backend.revocations(opts.revocations ?? {}));
          break;
        case 'stops':
          out.stops = held(await backend.stops(opts.stops ?? {}));
          break;
        case 'budgets':
          out.budgets = held(await backend.budgets(opts.budgets ?? {}));
          break;
        case 'approvals':
          out.approvals = held(await backend.approvals(opts.approvals ?? {}));
          break;
        case 'rateBuckets':
          out.rateBuckets = held(await backend.rateBuckets({ ...(config ? { maxBuckets: config.rate_limits.max_buckets } : {}), ...opts.rateBuckets }));
          break;
        case 'blastRadius':
          out.blastRadius = held(await backend.blastRadius({ ...(config ? { maxSessions: config.blast_radius.max_sessions } : {}), ...opts.blastRadius }));
          break;
        case 'pins':
          out.pins = held(await backend.pins(opts.pins ?? {}));
          break;
        case 'auditWriter': {
          const c = opts.audit?.config ?? config;
          if (c === null || opts.logger === undefined) throw new TypeError('openRuntime: the audit writer needs a loaded config and a logger');
          const writer = buildAuditTrail(c, opts.logger, opts.audit?.sinks);
          audit.writer = writer;
          closeAudit = async () => writer.close?.();
          break;
        }
        case 'auditReader':
          audit.reader = new SqliteAuditReader(dataDir);
          break;
      }
    }
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
  return Object.assign(out, { audit, dataDir, backend: backendName, close }) as unknown as Runtime<N>;
}
