import type { Config } from './schema.js';

/**
 * The settings a running gate reads once, at start: a reload that changes one of them
 * swaps the policy but not that setting, so the operator must be told which keys
 * are still the old ones (a reload line that says only "reloaded" is how a new
 * `tls.upstream_ca` looked applied while every request still failed verification).
 *
 * Everything else (rules, routes, dns, network, identity, inspect, mcp, a2a,
 * tls.passthrough, control.mint, log.level) is swapped in by the reload.
 */
const AT_START = ['listen', 'workers', 'timeouts', 'limits', 'tls', 'log', 'audit', 'data_dir', 'control', 'state', 'broker', 'telemetry'] as const;

/** Keys under an AT_START section that a reload does apply. */
const LIVE = new Set(['tls.passthrough', 'control.mint', 'log.level']);

/**
 * The dotted keys (`tls.upstream_ca`, `limits.max_connections`) whose value differs
 * between two configs and that take effect only after a restart, sorted.
 *
 * @example
 * restartOnlyChanges(before, after); // ['tls.upstream_ca']
 */
export function restartOnlyChanges(before: Config, after: Config): string[] {
  const out: string[] = [];
  for (const section of AT_START) {
    const a: unknown = before[section];
    const b: unknown = after[section];
    if (isRecord(a) && isRecord(b)) {
      for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
        const dotted = `${section}.${key}`;
        if (!LIVE.has(dotted) && JSON.stringify(a[key]) !== JSON.stringify(b[key])) out.push(dotted);
      }
    } else if (JSON.stringify(a) !== JSON.stringify(b)) {
      out.push(section);
    }
  }
  return out.sort();
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
