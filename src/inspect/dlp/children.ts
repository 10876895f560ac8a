/**
 * The decoded children of one layer: each base64/hex run the index found, each
 * percent-encoded span, backslash escapes and zero-width characters, with a mapping
 * from the child's offsets back to the parent's (for redaction and the streaming
 * window limit).
 *
 * @example
 * const idx = indexText(keywordIndex, 'd=QUtJQUlPU0ZPRE5ON0VYQU1QTEU=', 15);
 * forEachDecoded(text, idx.runs, idx.kinds, { percent: false, escape: false, zeroWidth: false, plusAsSpace: false, firstRunSkip: 0 },
 *   (decoded, enc) => console.log(enc, decoded), () => {}); // base64 AKIAIOSFODNN7EXAMPLE
 */
import type { Mapped } from './decode.js';
import { decodeBase64Run, decodeDelimitedHex, decodeHexRun, percentDecode, unescapeText } from './decode.js';
import { foldUnicode } from './unicode-fold.js';
import type { OpaqueJoins } from './regrouped.js';
import { regroupEach, regroupStarts } from './regrouped.js';
import { base64StartsCompressed, decodeBase32, inflateBounded, isBase32Run, quotedPrintable, utf16Spans } from './layer-decoders.js';
import { classifyRun, percentRuns } from './run-kinds.js';
import { MIXED_CASE, PRINTABLE, RUN_BASE64, RUN_BASE64URL, RUN_HEX, RUN_HEX_DASHED, RUN_KIND } from './run-kinds.js';

/** Maps a [start, end) span of a decoded text to its parent's offsets. */
export type ToRaw = (s: number, e: number) => [number, number];

export interface ChildOptions {
  percent: boolean;
  escape: boolean;
  zeroWidth: boolean;
  plusAsSpace: boolean;
  /** Chars to skip at a run starting at index 0 (base64 alignment across stream windows). */
  firstRunSkip: number;
  /** UTF-16 stretches (the text holds NUL bytes). */
  utf16?: boolean;
  /** Quoted-printable soft breaks. */
  qp?: boolean;
  /** Groups and wrapped lines of encoded data. */
  regroup?: boolean;
  /** Where the index found equal groups or hex pairs in a row (default: every separator is tested). */
  groupStarts?: readonly number[];
  /** Where a '0' may stand before an 'x' or 'X' (in order; the index's zeroX), so that `0x` prefixes are not searched for. */
  zeroX?: readonly number[];
  /** Joins that can hold nothing: measured, not built (regrouped.ts OpaqueJoins; default: every join is a child). */
  opaqueJoins?: OpaqueJoins;
  /** Decoded bytes the budget has left (bounds inflating a compressed stream). */
  room?: () => number;
  /** A compressed stream too large for the budget: its raw span. */
  onUnread?: (s: number, e: number) => void;
}

/**
 * `kinds` (from the index, one per run) says how each run decodes and whether its
 * decoded bytes hold printable text; runs that decode to opaque bytes are reported to
 * `onOpaque` with their decoded length (for the decode budget) and never materialized.
 */
export function forEachDecoded(
  text: string,
  runs: readonly number[],
  kinds: readonly number[],
  o: ChildOptions,
  onChild: (decoded: string, enc: string, toParent: ToRaw) => void,
  onOpaque: (decodedLength: number) => void,
): void {
  for (let r = 0; r < runs.length; r += 2) {
    let rs = runs[r] as number;
    const re = runs[r + 1] as number;
    const skipped = rs === 0 && o.firstRunSkip > 0;
    if (skipped) rs = Math.min(re, o.firstRunSkip);
    if (re - rs < 16) continue;
    const known = skipped ? undefined : kinds[r >>> 1];
    if (known !== undefined && (known & RUN_KIND) !== RUN_HEX && (known & RUN_KIND) !== RUN_HEX_DASHED) {
      if (isBase32Run(text, rs, re)) {
        onChild(decodeBase32(text.slice(rs, re)), 'base32', (s, e) => [rs + Math.floor((s * 8) / 5), Math.min(re, rs + Math.ceil((e * 8) / 5))]);
        continue;
      }
    }
    if (known !== undefined) {
      const k = known & RUN_KIND;
      if (k === RUN_HEX) {
        // a store value may be hex in the other case, or in mixed case
        if ((known & MIXED_CASE) !== 0) onChild(text.slice(rs, re).toLowerCase(), 'hex-case', (s, e) => [rs + s, rs + e]);
        if ((known & PRINTABLE) === 0) onOpaque((re - rs) >>> 1);
        else onChild(decodeHexRun(text.slice(rs, re)), 'hex', (s, e) => [rs + 2 * s, Math.min(re, rs + 2 * e)]);
        continue;
      }
      if (k === RUN_BASE64 || k === RUN_BASE64URL) {
        // short compressed text is mostly literals, so it may look printable: test the magic first
        const packed = base64StartsCompressed(text, rs, re);
        if (packed !== undefined) {
          const r = inflateBounded(Buffer.from(text.slice(rs, re), 'base64'), packed, o.room?.() ?? 0);
          if (r.ok) onChild(r.text, packed, () => [rs, re]);
          else if (r.tooLarge) o.onUnread?.(rs, re);
          continue;
        }
        if ((known & PRINTABLE) === 0) {
          let q = re;
          while (q > rs && text.charCodeAt(q - 1) === 61) q--;
          onOpaque(Math.floor(((q - rs) * 3) / 4));
        } else
          onChild(decodeBase64Run(text.slice(rs, re)), k === RUN_BASE64 ? 'base64' : 'base64url', (s, e) => [
            rs + Math.floor(s / 3) * 4,
            Math.min(re, rs + Math.ceil(e / 3) * 4),
          ]);
        continue;
      }
      if (k !== RUN_HEX_DASHED) continue; // not encoded data
    }
    const run = text.slice(rs, re);
    const kind = classifyRun(run);
    if (kind === 'hex') {
      onChild(decodeHexRun(run), 'hex', (s, e) => [rs + 2 * s, Math.min(re, rs + 2 * e)]);
    } else if (kind === 'hex-delimited') {
      const d = decodeDelimitedHex(run);
      if (d !== undefined) onChild(d, 'hex', (s, e) => [rs + 3 * s, Math.min(re, rs + 3 * e)]);
    } else if (kind !== undefined) {
      onChild(decodeBase64Run(run), kind, (s, e) => [rs + Math.floor(s / 3) * 4, Math.min(re, rs + Math.ceil(e / 3) * 4)]);
    }
  }
  if (o.percent) for (const [s, e] of percentRuns(text)) mapped(percentDecode(text.slice(s, e), o.plusAsSpace), s, e - s, 'url', onChild);
  if (o.escape) mapped(unescapeText(text), 0, text.length, 'escape', onChild);
  if (o.zeroWidth) mapped(foldUnicode(text), 0, text.length, 'unicode', onChild);
  if (o.qp) mapped(quotedPrintable(text), 0, text.length, 'quoted-printable', onChild);
  if (o.utf16) for (const sp of utf16Spans(text)) mapped(sp, sp.start, sp.end - sp.start, 'utf16', onChild);
  if (o.regroup) {
    const starts = regroupStarts(text, runs, o.groupStarts, o.zeroX);
    if (starts.length > 0) regroupEach(text, starts, (g) => absolute(g, g.end, 'regrouped', onChild), o.opaqueJoins);
  }
}

function mapped(m: Mapped | undefined, base: number, srcLen: number, enc: string, onChild: (decoded: string, enc: string, toParent: ToRaw) => void): void {
  if (m === undefined) return;
  const map = m.map;
  const last = map.length - 1;
  onChild(m.text, enc, (s, e) => [base + (map[Math.min(s, last)] ?? 0), e > last ? base + srcLen : base + (map[e] ?? srcLen)]);
}

/** A child whose map holds absolute parent offsets. */
function absolute(m: Mapped, end: number, enc: string, onChild: (decoded: string, enc: string, toParent: ToRaw) => void): void {
  const map = m.map;
  const last = map.length - 1;
  onChild(m.text, enc, (s, e) => [map[Math.min(s, last)] ?? 0, e > last ? end : (map[e] ?? end)]);
}
