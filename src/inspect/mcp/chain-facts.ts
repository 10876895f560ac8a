/**
 * What one MCP tool call can do, as chain detection sees it: a set of
 * capabilities with a reason for each, plus the file paths it writes and
 * executes (kept in memory to pair a write with a later run of the same file;
 * never reported). Reasons name rules and argument keys, never values.
 *
 * @example
 * const f = newFacts();
 * addCap(f, 'network', 'tool name says network (fetch)');
 * f.caps.has('network') // true
 */

/**
 * - `sensitive_read`: reads a credential location, an environment or secret store.
 * - `network`: sends something off the machine (fetch, HTTP, curl, a URL argument).
 * - `write` / `read` / `list`: ordinary file operations.
 * - `execute`: runs a command or a script.
 * - `recon`: enumerates accounts, system identity, system roots or credential locations.
 * - `persistence`: installs something that runs again later (cron, systemd, shell rc, launch agents).
 */
export type ChainCapability = 'sensitive_read' | 'network' | 'write' | 'read' | 'list' | 'execute' | 'recon' | 'persistence';

/** Order capabilities are listed in. */
export const CAPABILITY_ORDER: readonly ChainCapability[] = ['sensitive_read', 'network', 'persistence', 'recon', 'execute', 'write', 'read', 'list'];

/** Paths kept per call at most, and their length at most (longer ones are cut; only equality is asked of them). */
export const MAX_PATHS_PER_CALL = 16;
export const MAX_PATH_CHARS = 1024;

export interface CallFacts {
  caps: Set<ChainCapability>;
  /** One line per capability reason, value-free. */
  reasons: string[];
  /** Normalised paths this call writes (files it creates, edits, downloads, redirects into). */
  writes: string[];
  /** Of `writes`, the ones filled from the network (curl -o, wget -O). */
  downloads: string[];
  /** Normalised paths this call runs as a program or script. */
  execs: string[];
}

/**
 * Empty facts.
 *
 * @example
 * newFacts().caps.size // 0
 */
export function newFacts(): CallFacts {
  return { caps: new Set(), reasons: [], writes: [], downloads: [], execs: [] };
}

/**
 * Records a capability with its reason (each reason once).
 *
 * @example
 * addCap(f, 'recon', 'shell runs whoami')
 */
export function addCap(f: CallFacts, cap: ChainCapability, reason: string): void {
  f.caps.add(cap);
  const line = `${cap}: ${reason}`;
  if (!f.reasons.includes(line)) f.reasons.push(line);
}

/**
 * Adds a path to one of the bounded path lists.
 *
 * @example
 * addPath(f.writes, '/tmp/x.sh')
 */
export function addPath(list: string[], path: string): void {
  const p = path.slice(0, MAX_PATH_CHARS);
  if (p !== '' && list.length < MAX_PATHS_PER_CALL && !list.includes(p)) list.push(p);
}

/**
 * Merges facts gathered by a sub-analysis (a nested shell command) into `into`.
 *
 * @example
 * mergeFacts(outer, inner)
 */
export function mergeFacts(into: CallFacts, from: CallFacts): void {
  for (const c of from.caps) into.caps.add(c);
  for (const r of from.reasons) if (!into.reasons.includes(r)) into.reasons.push(r);
  for (const p of from.writes) addPath(into.writes, p);
  for (const p of from.downloads) addPath(into.downloads, p);
  for (const p of from.execs) addPath(into.execs, p);
}
