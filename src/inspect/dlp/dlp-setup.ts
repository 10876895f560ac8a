import type { InspectConfig } from '../../config/inspect-section.js';
import type { SecretResolver } from '../../credentials/refs.js';
import { DlpScanner } from './scanner.js';
import { KnownSecrets, type KnownSecret } from './known-secrets.js';
import type { Finding, FindingAction } from '../finding.js';

/** The outbound scanner for one config load, with what the config switched off. */
export interface DlpSetup {
  readonly scanner: DlpScanner;
  /** Pattern ids the operator set to `off`. */
  readonly disabled: ReadonlySet<string>;
  readonly action: InspectConfig['dlp']['action'];
  readonly maxBodyBytes: number;
  /** Most bytes a compressed request body may decode to (`inspect.max_decompressed_bytes`, at least the scan limit). */
  readonly maxDecodedBytes?: number;
  readonly hostnames: boolean;
  /** CPU time (ms) one exchange's inspection may use (`inspect.scan_budget_ms`). */
  readonly scanBudgetMs?: number;
}

/**
 * Build the DLP scanner: built-in patterns, the operator's extra patterns and
 * per-pattern actions, and every value the gate holds as a known secret (all
 * secret-store entries plus `inspect.dlp.known_secrets`), matched in the clear and
 * encoded. A secret Sluice holds can never leave through it.
 */
export function buildDlp(cfg: InspectConfig, secrets: SecretResolver, storeNames: readonly string[]): DlpSetup {
  const known: KnownSecret[] = [];
  for (const ref of [...storeNames, ...cfg.dlp.known_secrets]) {
    try {
      known.push({ name: ref, value: secrets.resolve(ref) });
    } catch {
      // A reference that is not set holds nothing to leak; the gate reports it where it is used.
    }
  }
  const actions: Record<string, FindingAction> = {};
  const disabled = new Set<string>();
  for (const [id, a] of Object.entries(cfg.dlp.patterns)) {
    if (a === 'off') disabled.add(id);
    else actions[id] = a;
  }
  const scanner = new DlpScanner({
    extraPatterns: cfg.dlp.extra_patterns.map((p) => ({
      id: p.id,
      regex: p.regex,
      ...(p.action ? { action: p.action } : {}),
      ...(p.keywords ? { keywords: p.keywords } : {}),
    })),
    actions,
    known: new KnownSecrets(known),
    maxScanBytes: cfg.dlp.max_body_bytes,
    onIncomplete: cfg.dlp.on_incomplete,
  });
  for (const k of known) if (Buffer.isBuffer(k.value)) k.value.fill(0);
  const maxDecodedBytes = Math.max(cfg.max_decompressed_bytes, cfg.dlp.max_body_bytes + 1);
  return {
    scanner,
    disabled,
    action: cfg.dlp.action,
    maxBodyBytes: cfg.dlp.max_body_bytes,
    maxDecodedBytes,
    hostnames: cfg.dlp.hostnames,
    scanBudgetMs: cfg.scan_budget_ms,
  };
}

/**
 * The action a finding gets: `off` patterns vanish; the rule's `inspect.dlp` (else the
 * config's `inspect.dlp.action`) sets what a blocking finding does; warnings stay warnings.
 * Shared by every carrier's scanner (request parts, WebSocket messages, MCP and A2A
 * payloads) so they settle alike; `rule` is the rule's `inspect.dlp` override.
 */
export function settle(findings: Finding[], dlp: DlpSetup, rule: InspectConfig['dlp']['action'] | undefined): Finding[] {
  const level = rule ?? dlp.action;
  const out: Finding[] = [];
  for (const f of findings) {
    if (dlp.disabled.has(f.type)) continue;
    const action: FindingAction = f.action === 'block' && level !== 'off' ? level : f.action;
    out.push(action === f.action ? f : { ...f, action });
  }
  return out;
}
