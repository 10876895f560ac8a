/**
 * The prompt-injection scanner: one compiled pattern set, three ways in.
 *
 * - `scanText`: a piece of text already in hand (a tool result, a message part).
 * - `scanToolDescription`: MCP tool names, descriptions and schema text, A2A
 *   agent cards. Stricter: the `strict` patterns too (preconditions, "instead of
 *   the built-in tool", credential-file reads, curl | sh, role labels), and no
 *   allowance for quoted discussion, since a description has no business
 *   quoting attacks.
 * - `responseScanner`: a streaming scanner for one response body.
 *
 * Findings carry `action: 'block'` unless the match is quoted in a discussion
 * of attacks (then `warn`, see context.ts) or is a weak signal on its own
 * (invisible characters inside words with no pattern; the body over the scan
 * cap). The caller maps findings to its rule's action (block, strip, warn).
 *
 * @example
 * const scanner = new InjectionScanner({ disabled: ['exfil-markdown-image'] });
 * scanner.scanText('Ignore all previous instructions and ...', 'mcp.result')
 * // [{ type: 'prompt_injection:instruction_override', action: 'block', rule: 'override-ignore-previous', ... }]
 */
import { PatternMatcher } from './compile.js';
import { PATTERNS } from './patterns.js';
import { DEFAULT_MAX_SCAN_BYTES, StreamingResponseScanner } from './response-scanner.js';
import type { ResponseScanner } from './response-scanner.js';
import type { ScanContext } from './scan-segments.js';
import type { InjectionFinding, InjectionPattern } from './types.js';
import { ScanWindow } from './window.js';

export interface InjectionScannerOptions {
  /** More patterns, same shape as the built-in ones; ids must not clash. */
  extraPatterns?: readonly InjectionPattern[];
  /** Pattern ids, synthesised rules (`hidden-zero-width`, `not-scanned`, ...) or categories to switch off. */
  disabled?: readonly string[];
  /** Response bytes read per body; the rest is reported as not scanned. Default 4 MiB. */
  maxScanBytes?: number;
  /** Action of the not-scanned finding. Default `warn`. */
  overCapAction?: 'warn' | 'block';
}

export class InjectionScanner {
  /** The patterns in force (built-in plus extra, minus disabled). */
  readonly patterns: readonly InjectionPattern[];
  private readonly matcher: PatternMatcher;
  private readonly disabled: ReadonlySet<string>;
  private readonly maxScanBytes: number;
  private readonly overCapAction: 'warn' | 'block';
  private readonly keep = (f: InjectionFinding): boolean => !this.disabled.has(f.rule) && !this.disabled.has(f.category);

  constructor(opts: InjectionScannerOptions = {}) {
    this.disabled = new Set(opts.disabled ?? []);
    this.patterns = [...PATTERNS, ...(opts.extraPatterns ?? [])].filter((p) => !this.disabled.has(p.id) && !this.disabled.has(p.category));
    this.matcher = new PatternMatcher(this.patterns);
    this.maxScanBytes = opts.maxScanBytes ?? DEFAULT_MAX_SCAN_BYTES;
    this.overCapAction = opts.overCapAction ?? 'warn';
    if (!(this.maxScanBytes > 0)) throw new RangeError('maxScanBytes must be a positive number');
  }

  /** Scan plain text (no markup is interpreted). Long text is scanned in windows. */
  scanText(text: string, location: string): InjectionFinding[] {
    return this.scanString(text, location, false);
  }

  /** Scan an MCP tool name/description/schema string or an agent-card field, strictly. */
  scanToolDescription(text: string, location: string): InjectionFinding[] {
    return this.scanString(text, location, true);
  }

  /** A streaming scanner for one response body of this Content-Type (sniffed when undefined). */
  responseScanner(contentType: string | undefined, location = 'response.body'): ResponseScanner {
    return new StreamingResponseScanner(contentType, this.context(location, false), {
      maxScanBytes: this.maxScanBytes,
      overCapAction: this.overCapAction,
      keep: this.keep,
    });
  }

  /** One line about a rule, for `sluice explain` and deny bodies. */
  explain(rule: string): string {
    const p = this.patterns.find((x) => x.id === rule) ?? PATTERNS.find((x) => x.id === rule);
    if (p) return `${p.id} (${p.category}, ${p.scope === 'strict' ? 'tool descriptions and hidden text' : 'all text'}): ${p.description}`;
    if (rule.startsWith('hidden-')) return `${rule} (hidden_text): text a human reader does not see (${rule.slice(7)})`;
    if (rule === 'not-scanned') return 'not-scanned: the body was larger than the scan cap; the rest was not read';
    return `${rule}: unknown rule`;
  }

  private context(location: string, strict: boolean): ScanContext {
    return { matcher: this.matcher, location, strict, seen: new Set() };
  }

  private scanString(text: string, location: string, strict: boolean): InjectionFinding[] {
    const window = new ScanWindow(this.context(location, strict));
    return [...window.add([{ text }]), ...window.finish()].filter(this.keep);
  }
}

let last: { key: string; scanner: InjectionScanner } | null = null;

/**
 * The scanner for these options, the same object as last time when they have not
 * changed: building one compiles two keyword automatons (~0.3 s of one core for the
 * built-in set), which a config reload that leaves `inspect` alone need not pay again.
 * Options with extra patterns are built every time (their identity is not a key).
 *
 * @example
 * const s = injectionScannerFor({ maxScanBytes: 4 << 20, disabled: [] });
 */
export function injectionScannerFor(opts: Omit<InjectionScannerOptions, 'extraPatterns'>): InjectionScanner {
  const key = JSON.stringify([opts.maxScanBytes ?? null, opts.overCapAction ?? null, [...(opts.disabled ?? [])].sort()]);
  if (last?.key !== key) last = { key, scanner: new InjectionScanner(opts) };
  return last.scanner;
}
