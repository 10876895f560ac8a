/**
 * `Content-Encoding: aws-chunked`, the framing the AWS SDKs use for streamed S3
 * uploads (`hex-size[;chunk-signature=...]\r\n data \r\n ... 0\r\n trailers \r\n\r\n`),
 * undone for request inspection: DLP reads the object's bytes, not the framing, so a
 * key split across two chunks is still one string. Streaming, with one bounded line
 * held; malformed framing throws `DecompressionError('decompression_failed')`.
 * Only request bodies carry it, so only the request side decodes it (requestBodyDecoder).
 *
 * @example
 * const d = requestBodyDecoder('aws-chunked', {}); // frames off, then any content-coding after it
 * for (const out of await d!.push(chunk)) scanner.push(out);
 */
import { createSafeDecompressor, DecompressionError } from './decompress.js';
import type { SafeDecompressOptions, SafeDecompressor } from './decompress.js';

/** A chunk-size line (with its signature extension) is short; a longer one is not framing. */
const MAX_LINE = 4096;

function malformed(why: string): DecompressionError {
  return new DecompressionError('decompression_failed', `corrupt aws-chunked body: ${why}`, 'aws-chunked');
}

/** The aws-chunked framing, taken off as the body streams. */
export class AwsChunkedDecoder {
  private line: Buffer[] = [];
  private lineBytes = 0;
  /** Data bytes left in the current chunk, then 2 for its CRLF; -1 while reading a size line; -2 after the last chunk. */
  private left = -1;
  private crlf = 0;

  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (this.left === -2) return out; // trailers: checksums, not data
      if (this.crlf > 0) {
        const n = Math.min(this.crlf, chunk.length - at);
        at += n;
        this.crlf -= n;
        continue;
      }
      if (this.left > 0) {
        const n = Math.min(this.left, chunk.length - at);
        out.push(chunk.subarray(at, at + n));
        at += n;
        this.left -= n;
        if (this.left === 0) {
          this.left = -1;
          this.crlf = 2;
        }
        continue;
      }
      const nl = chunk.indexOf(0x0a, at);
      const end = nl === -1 ? chunk.length : nl + 1;
      this.line.push(chunk.subarray(at, end));
      this.lineBytes += end - at;
      at = end;
      if (this.lineBytes > MAX_LINE) throw malformed(`a chunk-size line over ${MAX_LINE} bytes`);
      if (nl !== -1) this.sizeLine(Buffer.concat(this.line).toString('latin1'));
    }
    return out;
  }

  end(): Buffer[] {
    if (this.left !== -2) throw malformed('the body ends before its last (zero-size) chunk');
    return [];
  }

  private sizeLine(text: string): void {
    this.line = [];
    this.lineBytes = 0;
    const hex = text.split(';')[0]!.trim();
    if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) throw malformed('a chunk size that is not hexadecimal');
    const size = parseInt(hex, 16);
    this.left = size === 0 ? -2 : size;
  }
}

/**
 * A decoder for a request body's Content-Encoding: aws-chunked framing taken off (if
 * listed), then the content-codings createSafeDecompressor knows; null for none.
 */
export function requestBodyDecoder(contentEncoding: string | undefined, opts: SafeDecompressOptions): SafeDecompressor | null {
  const names = (contentEncoding ?? '').split(',').map((s) => s.trim());
  const framed = names.some((n) => n.toLowerCase() === 'aws-chunked');
  const rest = createSafeDecompressor(names.filter((n) => n.toLowerCase() !== 'aws-chunked').join(','), opts);
  if (!framed) return rest;
  const frames = new AwsChunkedDecoder();
  const after = async (bufs: Buffer[]): Promise<Buffer[]> => {
    if (rest === null) return bufs;
    const out: Buffer[] = [];
    for (const b of bufs) out.push(...(await rest.push(b)));
    return out;
  };
  return {
    push: (chunk) => after(frames.push(chunk)),
    end: async () => [...(await after(frames.end())), ...(rest === null ? [] : await rest.end())],
  };
}
