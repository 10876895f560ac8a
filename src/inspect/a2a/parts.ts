/**
 * The shape of an outbound A2A message, checked before it is scanned: a gate
 * that cannot tell what a part is does not let it through. Accepted shapes:
 *
 * - v0.3 `{ kind: 'text', text }`, `{ kind: 'data', data }`,
 *   `{ kind: 'file', file: { bytes | uri, mimeType?, name? } }`;
 * - before 0.2, the same with `type` instead of `kind`;
 * - v1.0, no discriminator and exactly one of `text`, `raw` (base64), `url`, `data`.
 *
 * Problems are blocking findings; their detail never quotes the message.
 *
 * @example
 * messageProblems({ messageId: 'm', role: 'user', parts: [{ kind: 'text', text: 'hi' }, { kind: 'video' }] })
 * // [{ type: 'a2a_part_invalid', location: 'a2a.message:parts[1]', action: 'block', detail: 'unknown part kind' }]
 */
import type { Finding } from '../finding.js';
import { isObject } from '../mcp/jsonrpc.js';
import { isBase64 } from './inline-file.js';

const V1_CONTENT = ['text', 'raw', 'url', 'data'] as const;

/**
 * Blocking findings for a malformed message or part; empty when well formed.
 *
 * @example
 * messageProblems('hello') // [{ type: 'a2a_message_invalid', location: 'a2a.message', action: 'block', detail: 'the message is not an object' }]
 */
export function messageProblems(message: unknown, prefix = 'a2a.message'): Finding[] {
  if (!isObject(message)) return [{ type: 'a2a_message_invalid', location: prefix, action: 'block', detail: 'the message is not an object' }];
  if (!Array.isArray(message.parts))
    return [{ type: 'a2a_message_invalid', location: `${prefix}:parts`, action: 'block', detail: 'the message has no "parts" array' }];
  const out: Finding[] = [];
  message.parts.forEach((part, i) => {
    const problem = partProblem(part);
    if (problem !== undefined) out.push({ type: 'a2a_part_invalid', location: `${prefix}:parts[${i}]`, action: 'block', detail: problem });
  });
  return out;
}

/**
 * Whether a (well-formed) part is a text part, and its text.
 *
 * @example
 * partText({ kind: 'text', text: 'hi' }) // 'hi'
 * partText({ text: 'hi' })               // 'hi' (v1.0)
 */
export function partText(part: unknown): string | undefined {
  if (!isObject(part) || typeof part.text !== 'string') return undefined;
  const kind = part.kind ?? part.type;
  return kind === undefined || kind === 'text' ? part.text : undefined;
}

function partProblem(p: unknown): string | undefined {
  if (!isObject(p)) return 'a part must be an object';
  const kind = p.kind ?? p.type;
  if (kind === undefined) {
    const present = V1_CONTENT.filter((k) => p[k] !== undefined);
    if (present.length === 0) return 'a part needs a "kind" or one of "text", "raw", "url", "data"';
    if (present.length > 1) return `a part has more than one content field (${present.join(', ')})`;
    if (p.text !== undefined && typeof p.text !== 'string') return '"text" must be a string';
    if (p.url !== undefined && typeof p.url !== 'string') return '"url" must be a string';
    if (p.raw !== undefined) return base64Problem(p.raw, '"raw"');
    return undefined;
  }
  switch (kind) {
    case 'text':
      return typeof p.text === 'string' ? undefined : 'a text part needs a string "text"';
    case 'data':
      return p.data === undefined ? 'a data part needs "data"' : undefined;
    case 'file': {
      const f = p.file;
      if (!isObject(f)) return 'a file part needs a "file" object';
      if (f.bytes === undefined && f.uri === undefined) return 'a file needs "bytes" or "uri"';
      if (f.uri !== undefined && typeof f.uri !== 'string') return '"uri" must be a string';
      return f.bytes === undefined ? undefined : base64Problem(f.bytes, '"bytes"');
    }
    default:
      return 'unknown part kind';
  }
}

function base64Problem(v: unknown, field: string): string | undefined {
  if (typeof v !== 'string') return `${field} must be a base64 string`;
  return isBase64(v) ? undefined : `${field} is not base64`;
}
