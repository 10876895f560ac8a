/**
 * The outbound DLP engine: URL, headers, hostname, bodies (streaming) and free text,
 * with built-in and operator patterns, decoded layers, known secrets, and redaction.
 * Pure computation: no sockets, no files, no clock.
 *
 * @example
 * const dlp = new DlpScanner({ known: new KnownSecrets([{ name: 'github', value: token }]) });
 * dlp.scanUrl('/upload?data=QUtJQUlPU0ZPRE5ON0VYQU1QTEU=');
 * // [{ type: 'aws_access_key_id', location: 'url.query:data', action: 'block', encoding: 'base64' }]
 * const body = dlp.bodyScanner('application/json');
 * const findings = [...body.push(chunk), ...body.end()];
 */
import type { Finding, FindingAction } from '../finding.js';
import type { PatternSpec } from './pattern-spec.js';
import type { KnownSecrets } from './known-secrets.js';
import type { OperatorPattern } from './operator-patterns.js';
import type { BodyScanner } from './body-scanner.js';
import { builtinPatterns } from './patterns/index.js';
import { compileOperatorPattern } from './operator-patterns.js';
import { DlpEngine, INCOMPLETE } from './engine.js';
import { textBytes, toByteString } from './decode.js';
import { StreamingBodyScanner, bodyKind, SCAN_LIMIT } from './body-scanner.js';
import { scanHostname as scanHost } from './hostname.js';
import { scanUrlParts } from './url-scan.js';
import { NOT_AGENT_DATA, requestJoins } from './request-parts.js';

export interface DlpOptions {
  /** 'builtin' (default) or an explicit list replacing the built-ins. */
  patterns?: 'builtin' | readonly PatternSpec[];
  /** Operator patterns from config; refused with UnsafePatternError when unsafe. */
  extraPatterns?: readonly OperatorPattern[];
  /** Per pattern id (or 'known_secret', 'hostname_entropy', '<id>_unverified') action override. */
  actions?: Record<string, FindingAction>;
  known?: KnownSecrets;
  /** Body bytes scanned at most; beyond, a 'dlp_scan_limit' finding. Default 64 MiB. */
  maxScanBytes?: number;
  /**
   * What a scan that could not read everything gets: the decode budget or depth ran
   * out (`dlp_scan_incomplete`) or a body passed `maxScanBytes` (`dlp_scan_limit`).
   * Default 'block' (fail closed); 'warn' records it and lets the data through. A
   * per-pattern action for either type (`actions`) wins.
   */
  onIncomplete?: 'block' | 'warn';
  /**
   * Look for BIP-39 seed phrases (`bip39_mnemonic`). Default on. Off saves the word-run
   * probe (a few percent of DLP throughput on prose-heavy traffic; see word-runs.ts).
   */
  seedPhrases?: boolean;
}

/**
 * Decoded bytes per scan: 8x the input (at least 4 KiB). Every layer one decode deep
 * takes at most 3.75x (base64 and hex runs 0.75x, percent spans, escapes and zero-width
 * characters 1x each), and layers are decoded breadth first, so the first layer is
 * always read whole; deeper decoys that outspend the rest make the scan incomplete
 * (a finding), never silently short. Work stays linear: at most 9x the input.
 */
const DECODE_FACTOR = 8;
const JOINED = 'request.joined';
const ACROSS_PARTS = 'split across parts of the request';
const JOINED_VALUES = 'joined';
/** Values longer than this are not joined: a secret's pieces are short, and a long text has its own scan. */
const JOIN_MAX = 256;
/** The last and the first token of a value (after its last, before its first space or quote). */
const LAST_TOKEN = /[^\s"'<>()[\]{},;]*$/;
const FIRST_TOKEN = /^[^\s"'<>()[\]{},;]*/;
const SECRET_LIKE = /[0-9A-Z_+/=-]/;

/**
 * May a secret be cut between `left` and `right`? One side's token at the cut has four
 * chars or more and a digit, a capital, `_`, `-`, `+`, `/` or `=` in it (`AKIAIOSF` |
 * `ODNN7...`, `xoxb` | `-2345...`, `ghp` | `_R8f...`): two words of prose (`user` |
 * `message 3`) are not.
 */
function mayJoin(left: string, right: string): boolean {
  const a = LAST_TOKEN.exec(left)?.[0] ?? '';
  if (a.length >= 4 && SECRET_LIKE.test(a)) return true;
  const b = FIRST_TOKEN.exec(right)?.[0] ?? '';
  return b.length >= 4 && SECRET_LIKE.test(b);
}
const ACROSS_VALUES = 'split across adjacent values';

/** A match of scanNeighbours: its finding, and the values it spans (group, first and last value). */
export interface NeighbourFinding {
  finding: Finding;
  group: number;
  first: number;
  last: number;
}
const DECODE_MIN = 4096;

export class DlpScanner {
  private readonly engine: DlpEngine;
  private readonly actions: Record<string, FindingAction>;
  private readonly maxScanBytes: number;
  /** Ids of patterns with no keyword (cards, IBANs, addresses): left out of joins. */
  private readonly unanchored: ReadonlySet<string>;

  constructor(opts: DlpOptions = {}) {
    const base = opts.patterns === undefined || opts.patterns === 'builtin' ? builtinPatterns : opts.patterns;
    const extra = (opts.extraPatterns ?? []).map(compileOperatorPattern);
    const all = [...base, ...extra];
    const ids = new Set<string>();
    for (const p of all) {
      if (ids.has(p.id)) throw new Error(`dlp pattern id ${JSON.stringify(p.id)} is defined twice`);
      ids.add(p.id);
    }
    this.actions = { ...(opts.actions ?? {}) };
    this.actions[INCOMPLETE] ??= opts.onIncomplete ?? 'block';
    this.actions[SCAN_LIMIT] ??= opts.onIncomplete ?? 'block';
    this.engine = new DlpEngine(all, { actions: this.actions, known: opts.known, seedPhrases: opts.seedPhrases });
    this.maxScanBytes = opts.maxScanBytes ?? 64 * 1024 * 1024;
    this.unanchored = new Set(all.filter((p) => p.keywords.length === 0).map((p) => p.id));
  }

  /** Path segments, query keys and values, userinfo and fragment, each with decoded layers. */
  scanUrl(pathAndQuery: string): Finding[] {
    return dedupe(scanUrlParts(toByteString(pathAndQuery), (text, location, spans) => this.scanParts(text, location, spans)));
  }

  /** Every header (Authorization and Cookie included), at 'header:<name>'; the gate's own Proxy-Authorization and framing headers are skipped. */
  scanHeaders(headers: Record<string, string | string[] | undefined>): Finding[] {
    const out: Finding[] = [];
    let i = 0;
    for (const [name, raw] of Object.entries(headers)) {
      i++;
      const lname = name.toLowerCase();
      if (raw === undefined || NOT_AGENT_DATA.has(lname)) continue;
      for (const value of Array.isArray(raw) ? raw : [raw]) {
        const text = `${toByteString(name)}: ${toByteString(value)}`;
        const spans: Array<[Finding, number, number]> = [];
        this.scanParts(text, 'header', spans);
        const nameHit = spans.some(([, s]) => s < name.length);
        const loc = !nameHit && /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/.test(name) ? `header:${lname}` : `header:#${i}`;
        for (const [f] of spans) out.push({ ...f, location: loc });
      }
    }
    return dedupe(out);
  }

  /** Exfiltration through DNS labels; run before resolving `host`. */
  scanHostname(host: string): Finding[] {
    return scanHost(toByteString(host), (text) => this.scanParts(text, 'host'), this.actions);
  }

  /**
   * What only the joins of neighbouring values show (each group: the string values of
   * one JSON object or array, in order): runs of two and three neighbours are read
   * joined, and a match counts when it crosses from one value into the next, of a
   * pattern anchored by a keyword or of a known secret. A run is joined only when its
   * values are short (JOIN_MAX); with `secretLike` (a request body: many values, most of
   * them words), also only where each join has a secret-like side (`mayJoin`: the left
   * value ends, or the right one starts, with a token holding a digit, capital or
   * `_-+/=`). One scan for every run.
   *
   * @example
   * dlp.scanNeighbours([['aws', 'AKIAIOSFODNN', '7EXAMPLE']]) // [{ finding: { type: 'aws_access_key_id', ... }, group: 0, first: 1, last: 2 }]
   */
  scanNeighbours(groups: readonly (readonly string[])[], secretLike = false): NeighbourFinding[] {
    const runs: Array<[number, number, number]> = []; // group, first, last
    const starts: number[] = [];
    const cuts: number[] = [];
    let text = '';
    groups.forEach((g, gi) => {
      for (let i = 0; i + 1 < g.length; i++) {
        for (let last = i + 1; last <= i + 2 && last < g.length; last++) {
          let ok = true;
          for (let k = i; k <= last && ok; k++) {
            ok = g[k]!.length > 0 && g[k]!.length <= JOIN_MAX && (k === last || !secretLike || mayJoin(g[k]!, g[k + 1]!));
          }
          if (!ok) break;
          starts.push(text.length);
          runs.push([gi, i, last]);
          for (let k = i; k <= last; k++) {
            if (k > i) cuts.push(text.length);
            text += textBytes(g[k]!);
          }
          text += '\n';
        }
      }
    });
    if (cuts.length === 0) return [];
    const spans: Array<[Finding, number, number]> = [];
    this.scanParts(text, JOINED_VALUES, spans);
    const out: NeighbourFinding[] = [];
    const seen = new Set<string>();
    for (const [f, s, e] of spans) {
      if (f.type === INCOMPLETE || f.type === 'url_encoding_depth' || this.unanchored.has(f.type.replace(/_unverified$/, ''))) continue;
      if (!crosses(cuts, s, e)) continue;
      const [group, first, last] = runs[lastAtOrBefore(starts, s)]!;
      const k = `${f.type}|${group}|${first}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({ finding: { ...f, detail: ACROSS_VALUES }, group, first, last });
    }
    return out;
  }

  /** Any decoded text (an MCP argument, a WebSocket message) at `location`, read as its UTF-8 bytes. */
  scanText(text: string, location: string): Finding[] {
    return this.scanParts(textBytes(text), location);
  }

  /** Bytes (a file's decoded content) at `location`, as a byte string: one char a byte, read as they are. */
  scanBytes(bytes: Buffer, location: string): Finding[] {
    return this.scanParts(bytes.toString('latin1'), location);
  }

  /**
   * What only the join `left + right` shows (two byte strings: the end of one message
   * and the start of the next): matches that take bytes from both sides, of patterns
   * anchored by a keyword and of known secrets. Keyword-less patterns (card numbers,
   * IBANs, addresses) are left out: digits ending one message and starting the next
   * make numbers nobody sent.
   *
   * @example
   * dlp.scanJoin('key: AKIAIOSF', 'ODNN7EXAMPLE', 'ws.message') // [{ type: 'aws_access_key_id', ... }]
   */
  scanJoin(left: string, right: string, location: string): Finding[] {
    const spans: Array<[Finding, number, number]> = [];
    this.scanParts(left + right, location, spans);
    const cut = left.length;
    const out: Finding[] = [];
    for (const [f, s, e] of spans) {
      if (s < cut && e > cut && !this.unanchored.has(f.type.replace(/_unverified$/, ''))) out.push(f);
    }
    return dedupe(out);
  }

  /**
   * What only the parts of one request head side by side show: a secret cut into
   * neighbouring query values, path segments, headers or cookies. Every value is
   * joined, in URL-then-headers and headers-then-URL order, and only matches that cross
   * a boundary between two values are reported (each part alone is scanned by
   * `scanUrl` and `scanHeaders`); keyword-less patterns are left out, as in `scanJoin`.
   *
   * @example
   * dlp.scanRequestJoins('/c?p1=AKIAFAKE00&p2=00TEST1234', {}) // [{ type: 'aws_access_key_id', location: 'request.joined', ... }]
   */
  scanRequestJoins(target: string, headers: Record<string, string | string[] | undefined>): Finding[] {
    const { text, cuts } = requestJoins(toByteString(target), headers);
    if (cuts.length === 0) return [];
    const spans: Array<[Finding, number, number]> = [];
    this.scanParts(toByteString(text), JOINED, spans);
    const out: Finding[] = [];
    for (const [f, s, e] of spans) {
      // what the joined text could not decode is already reported for the parts themselves
      if (f.type === INCOMPLETE || f.type === 'url_encoding_depth' || this.unanchored.has(f.type.replace(/_unverified$/, ''))) continue;
      if (crosses(cuts, s, e)) out.push({ ...f, detail: f.detail ? `${f.detail}; ${ACROSS_PARTS}` : ACROSS_PARTS });
    }
    return dedupe(out);
  }

  /** The action of a body's `dlp_scan_limit` finding (from `onIncomplete` or `actions`). */
  get limitAction(): FindingAction {
    return this.actions[SCAN_LIMIT] ?? 'block';
  }

  /** A streaming scanner for one request body (`maxScanBytes` overrides the scanner's limit, e.g. for a carrier with its own cap). */
  bodyScanner(contentType: string | undefined, maxScanBytes = this.maxScanBytes): BodyScanner {
    return new StreamingBodyScanner(
      (text, w) => {
        this.engine.scan(text, {
          location: 'body',
          limit: w.limit,
          plusAsSpace: w.plusAsSpace,
          firstRunSkip: w.firstRunSkip,
          budget: { left: Math.max(DECODE_MIN, text.length * DECODE_FACTOR), exhausted: false },
          emit: (f, s, e) => {
            w.span?.(f, s, e);
            const k = key(f);
            if (w.seen.has(k)) return;
            w.seen.add(k);
            w.out.push(f);
          },
        });
      },
      bodyKind(contentType),
      maxScanBytes,
      this.actions[SCAN_LIMIT],
    );
  }

  /**
   * `text` with every span behind `findings` (matched by type and encoding) replaced
   * by `[REDACTED:<type>]`. Meant for URL and header values whose action is 'redact';
   * an encoded secret's whole encoded run is replaced.
   */
  redact(text: string, findings: readonly Finding[]): string {
    return this.#redact(text, toByteString(text), findings);
  }

  /** As `redact`, for decoded text (read as its UTF-8 bytes, as `scanText` reads it). */
  redactText(text: string, findings: readonly Finding[]): string {
    return this.#redact(text, textBytes(text), findings);
  }

  #redact(text: string, bytes: string, findings: readonly Finding[]): string {
    if (findings.length === 0) return text;
    const spans: Array<[Finding, number, number]> = [];
    this.scanParts(bytes, 'redact', spans);
    const out = redactSpans(bytes, spans, findings);
    return bytes === text ? out : Buffer.from(out, 'latin1').toString('utf8');
  }

  private scanParts(text: string, location: string, spans?: Array<[Finding, number, number]>): Finding[] {
    const out: Finding[] = [];
    const seen = new Set<string>();
    this.engine.scan(text, {
      location,
      limit: Infinity,
      plusAsSpace: false,
      firstRunSkip: 0,
      budget: { left: Math.max(DECODE_MIN, text.length * DECODE_FACTOR), exhausted: false },
      emit: (f, s, e) => {
        spans?.push([f, s, e]);
        const k = key(f);
        if (seen.has(k)) return;
        seen.add(k);
        out.push(f);
      },
    });
    return out;
  }
}

function key(f: Finding): string {
  return `${f.type}|${f.location}|${f.encoding ?? ''}|${f.detail ?? ''}`;
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const k = key(f);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** How many of the increasing `sorted` are at most `at`. */
function countAtOrBefore(sorted: readonly number[], at: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The index of the last of the increasing `starts` that is at most `at` (0 when none is). */
function lastAtOrBefore(starts: readonly number[], at: number): number {
  return Math.max(0, countAtOrBefore(starts, at) - 1);
}

/** True when a cut (sorted) falls strictly inside [s, e). */
function crosses(cuts: readonly number[], s: number, e: number): boolean {
  const i = countAtOrBefore(cuts, s);
  return i < cuts.length && (cuts[i] as number) < e;
}

/**
 * `bytes` (a byte string) with each span of `spans` whose finding is among `findings`
 * (by type and encoding) replaced by `[REDACTED:<type>]`; spans that overlap one already
 * cut are skipped. The spans are where a scan found them: a whole scan (`redact`) or a
 * streaming one's windows (BodyScanner.spans).
 */
export function redactSpans(bytes: string, spans: ReadonlyArray<readonly [Finding, number, number]>, findings: readonly Finding[]): string {
  const wanted = new Set(findings.map((f) => `${f.type}|${f.encoding ?? ''}`));
  const cut = spans
    .filter(([f]) => wanted.has(`${f.type}|${f.encoding ?? ''}`))
    .map(([f, s, e]) => [s, e, f.type] as const)
    .sort((a, b) => a[0] - b[0]);
  let out = '';
  let last = 0;
  for (const [s, e, type] of cut) {
    if (e <= last) continue;
    out += `${bytes.slice(last, Math.max(last, s))}[REDACTED:${type}]`;
    last = e;
  }
  return out + bytes.slice(last);
}
