/**
 * `_method` in a request body (urlencoded or multipart form, or a top-level JSON
 * key), read as the body streams.
 * Each field is parsed by a small state machine that keeps at most one bounded
 * name and value, so the work is linear in the body and the memory fixed. A chunk
 * is released only after the next one has been read (the last one after the body
 * has been judged): an override found anywhere stops the body before the
 * upstream has all of it, so a refused override is never run.
 */
import { createSafeDecompressor, DecompressionBombError, type SafeDecompressor } from '../inspect/decompress.js';
import { eachSlice, ScanPace } from '../inspect/scan-pace.js';
import { Rejection } from './errors-map.js';
import { fieldName, formDecode, methodOf, type OverrideCheck } from './method-override.js';

const FIELD = '_method';
/** Longer raw names cannot spell `_method`, even fully percent-encoded with padding. */
const MAX_NAME = 96;
const MAX_VALUE = 96;
/** A multipart header or boundary line longer than this cannot be read; refused. */
const MAX_LINE = 16 * 1024;
/** As for request DLP: a request body expanding more than this is a bomb. */
const MAX_RATIO = 1000;

/**
 * Wrap a request body; for a form body, `check` is called with each `_method` value.
 *
 * @example
 * body = guardBodyOverride(body, req.headers, overrideCheck(state, ctx), 64 << 20);
 */
export async function* guardBodyOverride(
  body: AsyncIterable<Buffer>,
  headers: { 'content-type'?: string | undefined; 'content-encoding'?: string | undefined },
  check: OverrideCheck,
  /** A compressed body is decoded up to this many bytes (the inspection's `max_decompressed_bytes`). */
  maxDecodedBytes: number,
  /**
   * The exchange's pacing and CPU budget (scan-pace.ts): the body is read in slices with
   * turns for the event loop between them (a body the MCP intake read ahead comes as one
   * buffer of up to 4 MiB: ~50 ms of JSON tokenising in one call, every agent waiting).
   */
  pace: ScanPace = new ScanPace(),
): AsyncGenerator<Buffer> {
  const type = (headers['content-type'] ?? '').toLowerCase();
  const urlencoded = type.startsWith('application/x-www-form-urlencoded');
  const boundary = /^multipart\/form-data/.test(type) ? /boundary="?([^";]+)"?/i.exec(headers['content-type'] ?? '')?.[1] : undefined;
  // Laravel reads `_method` from a JSON body as well (its input bag is the JSON object).
  const json = /[/+]json\b/.test(type);
  if (!urlencoded && boundary === undefined && !json) {
    yield* body;
    return;
  }
  const parser = urlencoded ? urlencodedParser(check) : boundary !== undefined ? multipartParser(boundary, check) : jsonParser(check);
  // A compressed body is read as the upstream's body parser will (Express inflates gzip, deflate and br).
  let decoder: SafeDecompressor | null;
  try {
    decoder = createSafeDecompressor(headers['content-encoding'], { maxOutputBytes: maxDecodedBytes, maxRatio: MAX_RATIO });
  } catch {
    throw new Rejection(
      'unsupported_encoding',
      "the request body's content-encoding cannot be decoded to read it as the upstream will (gzip, deflate, br and identity can); refused",
    );
  }
  const read = (data: Buffer): Promise<void> => eachSlice(pace, data, (piece) => parser.push(piece));
  const feed = async (chunk: Buffer | null): Promise<void> => {
    if (decoder === null) {
      if (chunk) await read(chunk);
      return;
    }
    let plain: Buffer[];
    try {
      plain = chunk ? await decoder.push(chunk) : await decoder.end();
    } catch (err) {
      if (err instanceof DecompressionBombError) throw new Rejection('decompression_bomb', 'the request body expands beyond the decompression limits; refused');
      throw new Rejection('bad_request', 'the request body cannot be decoded (corrupt or truncated); refused');
    }
    for (const p of plain) await read(p);
  };
  let held: Buffer | null = null;
  for await (const chunk of body) {
    await feed(chunk);
    if (held) yield held;
    held = chunk;
  }
  await feed(null);
  parser.end();
  if (held) yield held;
}

interface Parser {
  push(chunk: Buffer): void;
  end(): void;
}

function urlencodedParser(check: OverrideCheck): Parser {
  const SEP = /[&;]/g;
  let name = '';
  let value = '';
  // 'name': reading a field name; 'value': reading `_method`'s value; 'skip': any other value, up to the next separator.
  let mode: 'name' | 'value' | 'skip' = 'name';
  const finish = (): void => {
    if (mode === 'value') check({ method: methodOf(formDecode(value), `${FIELD} in the form body`), source: `${FIELD} in the form body` });
    name = '';
    value = '';
    mode = 'name';
  };
  return {
    push(chunk) {
      const text = chunk.toString('latin1');
      let i = 0;
      while (i < text.length) {
        if (mode === 'skip' || (mode === 'value' && value.length > MAX_VALUE)) {
          SEP.lastIndex = i;
          const m = SEP.exec(text);
          if (m === null) return;
          finish();
          i = m.index + 1;
          continue;
        }
        const c = text[i++]!;
        if (c === '&' || c === ';') finish();
        else if (mode === 'value') value += c;
        else if (c === '=') mode = fieldName(formDecode(name)) === FIELD ? 'value' : 'skip';
        // A name too long to spell `_method` is skipped with its value.
        else if (name.length < MAX_NAME) name += c;
        else mode = 'skip';
      }
    },
    end: finish,
  };
}

function multipartParser(boundary: string, check: OverrideCheck): Parser {
  const delimiter = `--${boundary}`;
  let line = '';
  let longLine = false;
  let state: 'preamble' | 'headers' | 'value' | 'other' = 'preamble';
  let isOverride = false;
  let value: string[] = [];
  const onLine = (l: string): void => {
    const bare = l.endsWith('\r') ? l.slice(0, -1) : l;
    if (bare.startsWith(delimiter) && /^(--)?[ \t]*$/.test(bare.slice(delimiter.length))) {
      if (state === 'value') settle();
      state = 'headers';
      isOverride = false;
      return;
    }
    if (state === 'headers') {
      if (longLine) throw new Rejection('bad_request', 'a multipart part header is too long to read; refused');
      if (bare === '') {
        state = isOverride ? 'value' : 'other';
        value = [];
      } else if (/^content-disposition\s*:/i.test(bare) && partName(bare) === FIELD) isOverride = true;
      else if (isOverride && /^content-transfer-encoding\s*:/i.test(bare)) {
        throw new Rejection('bad_request', 'an encoded _method form part cannot be read as a method; refused');
      }
    } else if (state === 'value') {
      value.push(longLine ? bare + 'x'.repeat(MAX_VALUE) : bare);
      if (value.join('\n').length > MAX_VALUE) settle();
    }
  };
  const settle = (): void => {
    if (state !== 'value') return;
    state = 'other';
    check({ method: methodOf(value.join('\n'), `${FIELD} in the form body`), source: `${FIELD} in the form body` });
  };
  return {
    push(chunk) {
      const text = chunk.toString('latin1');
      let from = 0;
      for (;;) {
        const nl = text.indexOf('\n', from);
        const piece = text.slice(from, nl === -1 ? text.length : nl);
        if (line.length + piece.length <= MAX_LINE) line += piece;
        else {
          line += piece.slice(0, Math.max(0, MAX_LINE - line.length));
          longLine = true;
        }
        if (nl === -1) return;
        onLine(line);
        line = '';
        longLine = false;
        from = nl + 1;
      }
    },
    end() {
      if (line !== '') onLine(line);
      settle();
    },
  };
}

/**
 * Top-level keys of a JSON object, tokenised as they stream: strings (with their
 * escapes, so `"\u005fmethod"` is `_method`), nesting depth, and whether a key's
 * value follows. Strings longer than any method are skipped, not kept.
 */
function jsonParser(check: OverrideCheck): Parser {
  const SPECIAL = /["\\]/g;
  const ESC: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' };
  let depth = 0;
  let inString = false;
  let escape = false;
  let unicode: string | null = null;
  let str = '';
  let key: string | null = null;
  let awaiting = false;
  const append = (c: string): void => {
    if (str.length <= MAX_VALUE) str += c;
  };
  const endString = (): void => {
    if (depth !== 1) return;
    if (awaiting) {
      awaiting = false;
      check({ method: methodOf(str, `${FIELD} in the JSON body`), source: `${FIELD} in the JSON body` });
    } else key = str;
  };
  return {
    push(chunk) {
      const text = chunk.toString('latin1');
      let i = 0;
      while (i < text.length) {
        if (inString && !escape && unicode === null && str.length > MAX_VALUE) {
          SPECIAL.lastIndex = i;
          const m = SPECIAL.exec(text);
          if (m === null) return;
          i = m.index;
        }
        const c = text[i++]!;
        if (inString) {
          if (unicode !== null) {
            unicode += c;
            if (unicode.length === 4) {
              append(String.fromCharCode(parseInt(unicode, 16) || 0));
              unicode = null;
            }
          } else if (escape) {
            escape = false;
            if (c === 'u') unicode = '';
            else append(ESC[c] ?? c);
          } else if (c === '\\') escape = true;
          else if (c === '"') {
            inString = false;
            endString();
          } else append(c);
        } else if (c === '"') {
          inString = true;
          str = '';
        } else if (c === '{' || c === '[') depth++;
        else if (c === '}' || c === ']') depth--;
        else if (c === ':') awaiting = depth === 1 && key !== null && fieldName(key) === FIELD;
        else if (c === ',') {
          awaiting = false;
          key = null;
        } else if (awaiting && c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') awaiting = false;
      }
    },
    end() {},
  };
}

/** The `name` parameter of a Content-Disposition line, folded like a field name. */
function partName(header: string): string | null {
  // RFC 7578 / 2231 `name*=utf-8''%5Fmethod` is read by busboy and others.
  const ext = /;\s*name\*\s*=\s*[^']*'[^']*'([^;\s]*)/i.exec(header);
  if (ext) return fieldName(formDecode(ext[1] ?? ''));
  const m = /;\s*name\s*=\s*(?:"([^"]*)"|([^;\s]*))/i.exec(header);
  if (!m) return null;
  return fieldName(m[1] ?? m[2] ?? '');
}
