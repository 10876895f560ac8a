/**
 * A request body read as its receiver will read it, charset included. The MCP SDK's
 * HTTP server decodes a body with the `charset` its content type declares (UTF-16,
 * Latin-1...) before parsing, so a JSON-RPC message sent in UTF-16 is a message to
 * it and noise to a gate that reads UTF-8. A body declaring another charset is
 * therefore refused when, decoded that way, it shows JSON-RPC; one whose charset the
 * gate cannot decode is refused outright (it cannot be shown not to be one). ASCII
 * text under an ASCII-compatible charset reads the same in UTF-8 and is read as usual.
 *
 * @example
 * recogniseRequest(body, 'application/json; charset=utf-16le', false, 4 << 20) // { kind: 'unreadable', ... } when it is JSON-RPC
 */
import { isAscii } from 'node:buffer';
import { PACED_BYTES, recogniseJsonRpc, recogniseJsonRpcPaced, type Recognised } from '../../inspect/mcp/recognise.js';
import type { ScanPace } from '../../inspect/scan-pace.js';
import { couldBeJson, mentionsJsonRpc } from '../../inspect/mcp/rpc-markers.js';

const UTF8 = /^(?:utf-?8|unicode-1-1-utf-8)$/;
/** Charsets in which ASCII bytes mean ASCII characters. */
const ASCII_COMPATIBLE = /^(?:us-ascii|ascii|iso-8859-\d+|iso8859-\d+|latin-?\d|l\d|windows-125\d|cp125\d|koi8-[ru])$/;

/**
 * Recognise a request body (already decompressed) under its content type.
 *
 * @example
 * recogniseRequest(Buffer.from('{"a":1}'), 'application/json', false, 1024) // { kind: 'ordinary' }
 */
export function recogniseRequest(body: Buffer, contentType: string, known: boolean, maxBytes: number): Recognised {
  const charset = charsetOf(contentType);
  if (charset !== null && !UTF8.test(charset) && !(ASCII_COMPATIBLE.test(charset) && isAscii(body))) {
    const text = decodeAs(charset, body);
    if (text === null) return { kind: 'unreadable', code: 'invalid_utf8', message: `declared charset ${charset.slice(0, 40)} is one the gate cannot decode` };
    const json = couldBeJson(text) || couldBeJson(body);
    if (json && (known || mentionsJsonRpc(text) || mentionsJsonRpc(body)))
      return { kind: 'unreadable', code: 'invalid_utf8', message: `declared charset ${charset}; a JSON-RPC message must be UTF-8` };
    return { kind: 'ordinary' };
  }
  return recogniseJsonRpc(body, { known, maxBytes });
}

/**
 * recogniseRequest for a long body: the UTF-8 reading in bounded steps on the
 * exchange's `pace` (recogniseJsonRpcPaced), so a 4 MiB JSON upload does not hold the
 * event loop for the decode, the validation and a parse of a value nothing reads.
 */
export function recogniseRequestPaced(body: Buffer, contentType: string, known: boolean, maxBytes: number, pace: ScanPace): Recognised | Promise<Recognised> {
  const charset = charsetOf(contentType);
  if (body.length <= PACED_BYTES || !couldBeJson(body) || (charset !== null && !UTF8.test(charset) && !(ASCII_COMPATIBLE.test(charset) && isAscii(body))))
    return recogniseRequest(body, contentType, known, maxBytes);
  return recogniseJsonRpcPaced(body, { known, maxBytes }, pace);
}

/**
 * The `charset` parameter of a content type, lower-cased; null when absent.
 *
 * @example
 * charsetOf('application/json; Charset="UTF-16"') // 'utf-16'
 */
export function charsetOf(contentType: string): string | null {
  const m = /;\s*charset\s*=\s*("?)([^";\s]*)\1/i.exec(contentType);
  return m && m[2] ? m[2].toLowerCase() : null;
}

function decodeAs(charset: string, body: Buffer): string | null {
  try {
    return new TextDecoder(charset).decode(body);
  } catch {
    return null;
  }
}
