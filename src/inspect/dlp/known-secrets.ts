/**
 * Exact matching of secrets the operator knows (the credentials Sluice injects, canary
 * tokens), in the clear and in the encodings an agent would use to smuggle them:
 * base64 and base64url at all three byte alignments (so the secret is found inside a
 * longer base64 blob), hex in both cases, and URL-encoding.
 *
 * Matching is a single pass with a rolling 4-byte window checked against a 1 Mbit
 * filter; only filter hits look up candidates and compare. Cost per byte is a shift,
 * a multiply and one bit test, whatever the number of secrets.
 *
 * @example
 * const ks = new KnownSecrets([{ name: 'stripe-prod', value: 'sk_live_xxxxxxxxxxxxxxxxxxxxxxxx' }]);
 * ks.scan(someText, (name, encoding) => console.log(name, encoding)); // 'stripe-prod', 'base64'
 */

export interface KnownSecret {
  name?: string;
  value: Buffer | string;
}

export interface Needle {
  text: string;
  name: string | undefined;
  encoding: string | undefined;
}

/** Secrets shorter than this are ignored: too likely to occur by chance. */
export const MIN_SECRET_BYTES = 8;
const FILTER_BITS = 20;

export class KnownSecrets {
  /** How many supplied secrets were too short to match (safe to log). */
  readonly ignored: number;
  readonly size: number;
  private readonly byGram = new Map<number, Needle[]>();
  private readonly filter = new Uint32Array((1 << FILTER_BITS) >>> 5);

  constructor(secrets: Iterable<Buffer | string | KnownSecret>) {
    let ignored = 0;
    let size = 0;
    for (const s of secrets) {
      const entry: KnownSecret = typeof s === 'string' || Buffer.isBuffer(s) ? { value: s } : s;
      const bytes = typeof entry.value === 'string' ? Buffer.from(entry.value, 'utf8') : entry.value;
      if (bytes.length < MIN_SECRET_BYTES) {
        ignored++;
        continue;
      }
      size++;
      for (const [text, encoding] of encodedForms(bytes)) this.add({ text, name: entry.name, encoding });
    }
    this.ignored = ignored;
    this.size = size;
  }

  private add(n: Needle): void {
    if (n.text.length < 4) return;
    const g = gram(n.text, 0);
    const list = this.byGram.get(g);
    if (list === undefined) this.byGram.set(g, [n]);
    else if (!list.some((x) => x.text === n.text)) list.push(n);
    const k = Math.imul(g, 0x9e3779b1) >>> (32 - FILTER_BITS);
    this.filter[k >>> 5] = (this.filter[k >>> 5] as number) | (1 << (k & 31));
  }

  /** Every encoded form of every secret (the DLP engine folds them into its keyword automaton). */
  needles(): Needle[] {
    return [...this.byGram.values()].flat();
  }

  /** Calls `onMatch` for each occurrence: the secret's name, the needle's encoding, span. */
  scan(text: string, onMatch: (name: string | undefined, encoding: string | undefined, start: number, end: number) => void): void {
    if (this.size === 0) return;
    const { filter, byGram } = this;
    let h = 0;
    const n = text.length;
    for (let i = 0; i < n; i++) {
      h = ((h << 8) | (text.charCodeAt(i) & 0xff)) >>> 0;
      if (i < 3) continue;
      const k = Math.imul(h, 0x9e3779b1) >>> (32 - FILTER_BITS);
      if (((filter[k >>> 5] as number) & (1 << (k & 31))) === 0) continue;
      const list = byGram.get(h);
      if (list === undefined) continue;
      const start = i - 3;
      for (const nd of list) {
        if (text.startsWith(nd.text, start)) onMatch(nd.name, nd.encoding, start, start + nd.text.length);
      }
    }
  }
}

function gram(s: string, at: number): number {
  return (
    (((s.charCodeAt(at) & 0xff) << 24) | ((s.charCodeAt(at + 1) & 0xff) << 16) | ((s.charCodeAt(at + 2) & 0xff) << 8) | (s.charCodeAt(at + 3) & 0xff)) >>> 0
  );
}

/** [needle, encoding] pairs for one secret. */
export function encodedForms(v: Buffer): Array<[string, string | undefined]> {
  const out: Array<[string, string | undefined]> = [[v.toString('latin1'), undefined]];
  // a value that is itself hex means the same in either case (mixed case is folded by the engine's 'hex-case' layer)
  const plain = v.toString('latin1');
  if (/^[0-9A-Fa-f]+$/.test(plain)) out.push([plain.toLowerCase(), 'hex-case'], [plain.toUpperCase(), 'hex-case']);
  out.push([v.toString('hex'), 'hex'], [v.toString('hex').toUpperCase(), 'hex']);
  const uri = encodeURIComponent(v.toString('utf8'));
  if (uri !== v.toString('latin1')) out.push([uri, 'url']);
  // base64 "cores": the characters that depend only on the secret's bytes, for each of
  // the three alignments the secret can have inside a longer encoded blob.
  for (let k = 0; k < 3; k++) {
    const enc = Buffer.concat([Buffer.alloc(k), v]).toString('base64');
    const core = enc.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + v.length)) / 6));
    out.push([core, 'base64']);
    const url = core.replace(/\+/g, '-').replace(/\//g, '_');
    if (url !== core) out.push([url, 'base64url']);
  }
  return out;
}
