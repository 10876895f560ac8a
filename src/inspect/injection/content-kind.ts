/**
 * Which extractor reads a body: from the Content-Type, or sniffed from the first
 * bytes when there is none. Binary types are not scanned at all.
 *
 * @example
 * contentKind('application/vnd.api+json; charset=utf-8'); // 'json'
 * contentKind(undefined, '  <!doctype html>');          // 'html'
 */
import { TextDecoder } from 'node:util';

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
