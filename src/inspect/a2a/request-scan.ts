/**
 * Outbound A2A inspection: what an agent sends to another agent. For a method
 * that carries a message (`message/send`, `message/stream`, `SendMessage`,
 * `tasks/send`, ...) the message's shape is checked first (a malformed part
 * blocks), then every string of the message and of the other params is read:
 *
 * - DLP with all the engine's decoded layers, at `a2a.message:<path>`
 *   (`a2a.message:parts[1].data.config.api_key`) or `a2a.params:<path>`;
 * - a string value together with its property name (`api_key: <value>`), so a
 *   secret that only a key-value pattern recognises is found in a data part;
 * - the join of neighbouring strings and of consecutive text parts, for a
 *   secret split in two;
 * - inline file bytes decoded (DLP on the bytes; injection on textual types);
 * - homoglyphs: a token mixing Latin with look-alike Cyrillic or Greek letters
 *   (`homoglyph_mixed_script`, block; see injection/mixed-script.ts);
 * - prompt injection, when an injection scanner is given: an agent relaying
 *   injected text to another agent.
 *
 * Other A2A methods (tasks/get, push notification configs, ...) have their
 * params read the same way. A walk stopped by a bound yields a blocking
 * `a2a_not_scanned` finding. No finding carries a scanned value.
 *
 * @example
 * scanA2aRequest({ method: 'message/send', params: { message: { role: 'user', messageId: 'm1', parts: [{ kind: 'text', text: 'key AKIAIOSFODNN7EXAMPLE' }] } } }, dlp, injection)
 * // [{ type: 'aws_access_key_id', location: 'a2a.message:parts[0].text', action: 'block' }]
 */
import type { Finding } from '../finding.js';
import { isObject } from '../mcp/jsonrpc.js';
import { renderPath } from '../mcp/json-walk.js';
import type { PathSeg } from '../mcp/json-walk.js';
import type { DlpTextScanner, InjectionTextScanner } from '../mcp/tool-inspect.js';
import { mixedScriptFinding } from '../mcp/tool-inspect.js';
import { hasMixedScript } from '../injection/mixed-script.js';
import { FindingList, keySeg, locate, notScanned } from './findings.js';
import { DEFAULT_MAX_INLINE_CHARS, decodeBase64, inlineFileInjection, inlineFileOf } from './inline-file.js';
import { isA2aMessageMethod } from './methods.js';
import { messageProblems, partText } from './parts.js';
import { walkA2a, walkBudget } from './walk.js';
import type { A2aScanLimits, SiblingString, WalkBudget } from './walk.js';

export interface A2aRequestScanOptions extends A2aScanLimits {
  /** Scan the join of neighbouring strings and consecutive text parts for split secrets. Default on. */
  joinAdjacent?: boolean;
  /** Base64 characters of one inline file at most; a larger one blocks as not scanned. Default 6 MiB. */
  maxInlineChars?: number;
  /** Flag tokens mixing Latin with look-alike Cyrillic or Greek letters (`homoglyph_mixed_script`). Default on. */
  mixedScript?: boolean;
}

/** The part of a JSON-RPC request the scan reads; a parsed `JsonRpcMessage` request fits. */
export interface A2aRequestLike {
  method: string;
  params?: unknown;
}

/** Characters on each side of a boundary that a split secret is looked for in. */
const JOIN_WINDOW = 256;
/** Characters of a value read together with its property name. */
const PAIR_HEAD = 512;
const MAX_PAIR_KEY = 128;

/**
 * DLP (and injection, when `injection` is given) over an outbound A2A request.
 *
 * @example
 * scanA2aRequest({ method: 'message/send', params: { message: { parts: [{ kind: 'data', data: { config: { api_key: 'sk-test-...' } } }] } } }, dlp, undefined)
 * // [{ type: 'generic_secret', location: 'a2a.message:parts[0].data.config.api_key', action: 'block', detail: 'found with its property name' }]
 */
export function scanA2aRequest(
  req: A2aRequestLike,
  dlp: DlpTextScanner,
  injection: InjectionTextScanner | undefined,
  opts: A2aRequestScanOptions = {},
): Finding[] {
  const scan = new OutboundScan(dlp, injection, opts);
  const params = req.params;
  if (!isA2aMessageMethod(req.method)) {
    if (params !== undefined) scan.walk(params, 'a2a.params');
    return scan.out.list;
  }
  if (!isObject(params)) {
    scan.out.add({ type: 'a2a_message_invalid', location: 'a2a.params', action: 'block', detail: 'params must be an object with a "message"' });
    if (params !== undefined) scan.walk(params, 'a2a.params');
    return scan.out.list;
  }
  const message = params.message;
  for (const f of messageProblems(message)) scan.out.add(f);
  if (!isObject(message)) {
    scan.walk(params, 'a2a.params');
    return scan.out.list;
  }
  scan.walk(message, 'a2a.message');
  // The rest of the params, the message's place kept so positions do not shift.
  scan.walk({ ...params, message: null }, 'a2a.params');
  if (opts.joinAdjacent !== false && Array.isArray(message.parts)) scan.joinTextParts(message.parts);
  return scan.out.list;
}

class OutboundScan {
  readonly out = new FindingList();
  private readonly budget: WalkBudget;
  /** Keys that are secrets themselves: shown by position, never by name. */
  private readonly tainted = new Set<string>();
  /** DLP finding types of each key seen, for telling what a key-value join adds. */
  private readonly keyTypes = new Map<string, Set<string>>();
  private readonly join: boolean;
  private readonly mixedScript: boolean;
  private readonly maxInline: number;
  private readonly showKey = (k: string): boolean => !this.tainted.has(k);

  constructor(
    private readonly dlp: DlpTextScanner,
    private readonly injection: InjectionTextScanner | undefined,
    opts: A2aRequestScanOptions,
  ) {
    this.budget = walkBudget(opts);
    this.join = opts.joinAdjacent !== false;
    this.mixedScript = opts.mixedScript !== false;
    this.maxInline = opts.maxInlineChars ?? DEFAULT_MAX_INLINE_CHARS;
  }

  walk(value: unknown, prefix: string): void {
    const problem = walkA2a(
      value,
      [],
      {
        onKey: (key, at, pos) => {
          const found = this.dlp.scanText(key, prefix);
          if (found.length > 0) this.tainted.add(key);
          this.keyTypes.set(key, new Set(found.map((f) => f.type)));
          const all = [...found, ...(this.injection?.scanText(key, prefix) ?? []), ...this.homoglyphs(key, prefix)];
          if (all.length > 0) this.out.addAt(all, locate(prefix, at, this.showKey, `[#${pos}]`));
        },
        onString: (text, segs, key, claimed) => this.string(text, segs, claimed ? undefined : key, prefix, claimed),
        onSiblings: this.join ? (strings) => this.siblings(strings, prefix) : undefined,
        onObject: (obj, segs) => this.inlineFile(obj, segs, prefix),
      },
      this.budget,
    );
    if (problem !== undefined) this.out.add(notScanned(prefix, problem));
  }

  joinTextParts(parts: readonly unknown[]): void {
    for (let i = 0; i + 1 < parts.length; i++) {
      const a = partText(parts[i]);
      const b = partText(parts[i + 1]);
      if (a === undefined || b === undefined) continue;
      this.splitSecret(a, b, `a2a.message:parts[${i}].text+parts[${i + 1}].text`, 'split across adjacent parts', 'a2a.message');
    }
  }

  /** `inlineFile`: the string is file bytes read decoded; DLP still reads it as it is (it may be no file at all). */
  private string(text: string, segs: readonly PathSeg[], key: string | undefined, prefix: string, inlineFile: boolean): void {
    const found = this.dlp.scanText(text, prefix);
    const all = [...found, ...(inlineFile ? [] : [...(this.injection?.scanText(text, prefix) ?? []), ...this.homoglyphs(text, prefix)])];
    const at = (): string => locate(prefix, segs, this.showKey);
    if (all.length > 0) this.out.addAt(all, at());
    if (key === undefined || text === '' || key.length > MAX_PAIR_KEY || this.tainted.has(key)) return;
    const paired = this.dlp.scanText(`${key}: ${text.slice(0, PAIR_HEAD)}`, prefix);
    if (paired.length === 0) return;
    const alone = new Set([...found.map((f) => f.type), ...(this.keyTypes.get(key) ?? [])]);
    for (const f of paired) if (!alone.has(f.type)) this.out.add({ ...f, location: at(), detail: 'found with its property name' });
  }

  private homoglyphs(text: string, prefix: string): Finding[] {
    return this.mixedScript && hasMixedScript(text) ? [mixedScriptFinding(prefix)] : [];
  }

  private siblings(strings: readonly SiblingString[], prefix: string): void {
    for (let i = 0; i + 1 < strings.length; i++) {
      const a = strings[i]!;
      const b = strings[i + 1]!;
      const location = `${locate(prefix, a.segs, this.showKey)}+${renderPath(b.segs, this.showKey)}`;
      this.splitSecret(a.text, b.text, location, 'split across adjacent values', prefix);
    }
  }

  /** Report what the join of a's end and b's start shows that neither end shows alone. */
  private splitSecret(a: string, b: string, location: string, detail: string, prefix: string): void {
    if (a === '' || b === '') return;
    const tail = a.slice(-JOIN_WINDOW);
    const head = b.slice(0, JOIN_WINDOW);
    const joined = this.dlp.scanText(tail + head, prefix);
    if (joined.length === 0) return;
    const alone = new Set([...this.dlp.scanText(tail, prefix), ...this.dlp.scanText(head, prefix)].map((f) => f.type));
    for (const f of joined) if (!alone.has(f.type)) this.out.add({ ...f, location, detail });
  }

  private inlineFile(obj: Record<string, unknown>, segs: readonly PathSeg[], prefix: string): string | undefined {
    const file = inlineFileOf(obj);
    if (file === undefined) return undefined;
    const location = locate(prefix, [...segs, keySeg(obj, file.field)], this.showKey);
    if (file.data.length > this.maxInline) {
      this.out.add(notScanned(location, `inline file over ${this.maxInline} base64 characters`));
      return file.field;
    }
    // Not base64: read as the string it is; a malformed part is reported by messageProblems.
    const bytes = decodeBase64(file.data);
    if (bytes === undefined) return undefined;
    // Latin-1 keeps every byte as one character: the DLP engine sees the file's exact bytes.
    this.out.addAt(this.dlp.scanBytes(bytes, prefix), location, 'base64');
    if (this.injection !== undefined) this.out.addAt(inlineFileInjection(this.injection, file, bytes, location), location, 'base64');
    return file.field;
  }
}
