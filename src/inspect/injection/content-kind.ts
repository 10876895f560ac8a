/**
 * Which extractor reads a body: from the Content-Type, or sniffed from the first
 * bytes when there is none. Binary types are not scanned at all.
 *
 * @example
 * contentKind('application/vnd.api+json; charset=utf-8'); // 'json'
 * contentKind(undefined, '  <!doctype html>');          // 'html'
 */
import { StringDecoder } from 'node:string_decoder';
import { TextDecoder } from 'node:util';
import { byteOrderMark } from '../sniff.js';

export type ContentKind = 'html' | 'json' | 'sse' | 'text' | 'binary';

export function contentKind(contentType: string | undefined, firstText?: string): ContentKind {
  const mime = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (mime === '') return sniff(firstText ?? '');
  if (mime === 'text/event-stream') return 'sse';
  if (mime === 'text/html' || mime === 'application/xhtml+xml' || mime.endsWith('/xml') || mime.endsWith('+xml')) return 'html';
  if (mime.endsWith('/json') || mime.endsWith('+json') || mime.includes('ndjson') || mime.includes('jsonl') || mime === 'application/json-seq') return 'json';
  if (mime.startsWith('text/')) return 'text';
  if (/^(?:image|audio|video|font|model)\//.test(mime)) return 'binary';
  if (/(?:octet-stream|zip|gzip|x-tar|pdf|protobuf|grpc|wasm|msgpack|cbor|x-7z|x-rar|vnd\.ms-|vnd\.openxmlformats)/.test(mime)) return 'binary';
  // application/javascript, application/x-yaml, application/markdown and the unknown: read as text.
  return 'text';
}

function sniff(text: string): ContentKind {
  const t = text.trimStart();
  if (t.startsWith('<')) return 'html';
  if (t.startsWith('{') || t.startsWith('[')) return 'json';
  if (/^(?:data|event|id|retry):/.test(t)) return 'sse';
  return 'text';
}

/** The charset parameter, when Node's TextDecoder knows it; otherwise utf-8. */
export function charsetOf(contentType: string | undefined): string {
  const m = /;\s*charset\s*=\s*"?([\w.:-]+)"?/i.exec(contentType ?? '');
  if (!m) return 'utf-8';
  try {
    return new TextDecoder(m[1]).encoding;
  } catch {
    return 'utf-8';
  }
}

/** Decodes a body chunk by chunk (a character split across chunks is kept for the next). */
export interface ChunkDecoder {
  /** The text of `chunk` (and what was kept from before); with no chunk, the rest. */
  decode(chunk?: Buffer, opts?: { stream: boolean }): string;
}

/**
 * A decoder for a body labelled with `charset`, except that a byte order mark at the
 * start decides, as it does for a browser (the WHATWG decode algorithm: a UTF-8,
 * UTF-16LE or UTF-16BE BOM wins over the label): a `text/plain` body that starts with
 * FF FE is read as UTF-16 by the client, so it is scanned as UTF-16. The mark itself is
 * dropped. Up to two first bytes wait until the mark is known (or ruled out).
 */
export function chunkDecoder(charset: string): ChunkDecoder {
  let inner: ChunkDecoder | null = null;
  let head: Buffer | null = null;
  return {
    decode(chunk?: Buffer, opts?: { stream: boolean }): string {
      if (inner !== null) return inner.decode(chunk, opts);
      const b = head === null ? (chunk ?? Buffer.alloc(0)) : chunk === undefined ? head : Buffer.concat([head, chunk]);
      const bom = byteOrderMark(b);
      if (bom === 'partial' && chunk !== undefined) {
        head = b;
        return '';
      }
      head = null;
      inner = labelDecoder(bom === null || bom === 'partial' ? charset : bom);
      return chunk === undefined ? inner.decode(b, { stream: true }) + inner.decode() : inner.decode(b, opts);
    },
  };
}

/**
 * UTF-8 through Node's StringDecoder (native, several times cheaper per response than
 * an ICU TextDecoder); a leading byte order mark is dropped as TextDecoder drops it.
 * Other charsets through TextDecoder.
 */
function labelDecoder(charset: string): ChunkDecoder {
  if (charset !== 'utf-8') return new TextDecoder(charset);
  const sd = new StringDecoder('utf8');
  let first = true;
  return {
    decode(chunk?: Buffer): string {
      let text = chunk === undefined ? sd.end() : sd.write(chunk);
      if (first && text !== '') {
        first = false;
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      }
      return text;
    },
  };
}
