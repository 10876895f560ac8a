/**
 * Inline file content in A2A parts: base64 in `file.bytes` (v0.3 and before,
 * with `mimeType`) or in a v1.0 part's `raw` (with `mediaType`). The scanners
 * read the string as it is like any other, and decode it here so the content
 * itself is read too (DLP on the bytes, injection on textual types).
 *
 * @example
 * inlineFileOf({ name: 'a.txt', mimeType: 'text/plain', bytes: 'aGk=' }) // { field: 'bytes', data: 'aGk=', mime: 'text/plain' }
 * decodeBase64('aGk=')?.toString() // 'hi'
 */

import { contentKind } from '../injection/content-kind.js';
import type { InjectionScanner } from '../injection/scanner.js';
import type { InjectionFinding } from '../injection/types.js';

/** Base64 characters of one inline file the scanners decode at most, by default. */
export const DEFAULT_MAX_INLINE_CHARS = 6 * 1024 * 1024;

export interface InlineFile {
  /** The property holding the base64 text. */
  field: 'bytes' | 'raw';
  data: string;
  /** The declared media type, when there is one. */
  mime: string | undefined;
}

/**
 * The inline file content an object holds, if it is a file (`bytes`) or a
 * v1.0 part (`raw`, and no `kind`/`type`).
 *
 * @example
 * inlineFileOf({ raw: 'aGk=', mediaType: 'text/plain' })?.field // 'raw'
 * inlineFileOf({ kind: 'text', text: 'hi' })                     // undefined
 */
export function inlineFileOf(obj: Record<string, unknown>): InlineFile | undefined {
  const mime = str(obj.mimeType) ?? str(obj.mediaType);
  if (typeof obj.bytes === 'string') return { field: 'bytes', data: obj.bytes, mime };
  if (typeof obj.raw === 'string' && obj.kind === undefined && obj.type === undefined)
    return { field: 'raw', data: obj.raw, mime: str(obj.mediaType) ?? str(obj.mimeType) };
  return undefined;
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/**
 * Decode standard or URL-safe base64 (padding optional, whitespace ignored),
 * or undefined when the text is not base64.
 *
 * @example
 * decodeBase64('QUtJQQ')  // <Buffer 41 4b 49 41>
 * decodeBase64('not b64!') // undefined
 */
export function decodeBase64(text: string): Buffer | undefined {
  return isBase64(text) ? Buffer.from(text, 'base64') : undefined;
}

/**
 * Whether `text` is base64 (standard or URL-safe, padding optional, whitespace ignored).
 *
 * @example
 * isBase64('aGk=') // true
 * isBase64('a')    // false: one character is no byte
 */
export function isBase64(text: string): boolean {
  const clean = /\s/.test(text) ? text.replace(/\s+/g, '') : text;
  return BASE64.test(clean) && clean.replace(/=+$/, '').length % 4 !== 1;
}

/**
 * Injection findings in a decoded inline file, read as its media type says
 * (HTML with hidden text, JSON strings, text). Base64 is how A2A carries files,
 * not a hidden channel, so the content gets the ordinary patterns, not the
 * strict ones the text scanner applies to base64 blobs it meets in prose. A
 * file declared binary (or undeclared) that decodes to readable text is read
 * as text all the same: a label does not hide an instruction.
 *
 * @example
 * inlineFileInjection(injection, { field: 'bytes', data, mime: 'text/html' }, bytes, 'a2a.result:parts[0].file.bytes')
 */
export function inlineFileInjection(
  injection: Pick<InjectionScanner, 'responseScanner'>,
  file: InlineFile,
  bytes: Buffer,
  location: string,
): InjectionFinding[] {
  const type = contentKind(file.mime, '') === 'binary' && looksLikeText(bytes) ? 'text/plain; charset=utf-8' : file.mime;
  const rs = injection.responseScanner(type, location);
  return [...rs.push(bytes), ...rs.end()];
}

/** Valid UTF-8 in its first 4 KiB, with at most 10% control characters. */
function looksLikeText(bytes: Buffer): boolean {
  const probe = bytes.subarray(0, 4096);
  let text: string;
  try {
    // Streaming, so a character cut at the probe's end is not an error.
    text = new TextDecoder('utf-8', { fatal: true }).decode(probe, { stream: true });
  } catch {
    return false;
  }
  let control = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f) control++;
  }
  return text.length > 0 && control <= text.length / 10;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
