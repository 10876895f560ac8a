/**
 * Recognition that fails closed: is this payload a JSON-RPC message the gate must
 * guard, an ordinary body it may pass on, or a message it cannot read the way its
 * receiver will (refuse it)? One rule for every place that recognises MCP or A2A:
 * the HTTP intake, MCP and A2A answers (JSON bodies and SSE events), stdio lines.
 *
 * - Strict JSON-RPC (json-strict.ts, then the JSON-RPC shape): `rpc`.
 * - The strict reader refuses it, and it could be JSON (starts with `{` or `[`):
 *   unreadable when the conversation is already JSON-RPC (`known`), or when it
 *   mentions `jsonrpc` in any spelling (rpc-markers.ts); otherwise ordinary, because
 *   no JSON-RPC server would take it for a message (it stays subject to DLP like any
 *   body) and refusing it would break ordinary JSON with, say, a 64-bit id.
 * - Strict JSON but not valid JSON-RPC: unreadable when a message in it carries a
 *   `jsonrpc` member (any case) and either the conversation is known or its
 *   `method` (any case) is an MCP or A2A method, since a lenient server would run it;
 *   otherwise ordinary (`{"method":"POST"}`, another protocol's JSON-RPC).
 *
 * @example
 * recogniseJsonRpc('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","name":"b"}}', { known: false })
 * // { kind: 'unreadable', code: 'duplicate_key', message: '...' }
 * recogniseJsonRpc('{"id":12345678901234567890}', { known: false }) // { kind: 'ordinary' }
 */
import { foldKey, readJsonRpcStrictPaced, readJsonStrict, type StrictJsonResult } from '../json-strict.js';
import type { ScanPace } from '../scan-pace.js';
import { isA2aMethod } from '../a2a/methods.js';
import { classifyPayload, DEFAULT_JSONRPC_LIMITS, isObject, type JsonRpcMessage, type JsonRpcProblem } from './jsonrpc.js';
import { isMcpMethod } from './messages.js';
import { couldBeJson, mentionsJsonRpc } from './rpc-markers.js';

export type Recognised =
  { kind: 'rpc'; batch: boolean; messages: JsonRpcMessage[] } | { kind: 'ordinary' } | { kind: 'unreadable'; code: JsonRpcProblem; message: string };

export interface RecogniseOptions {
  /** The conversation is already JSON-RPC (an MCP channel, an answer to an A2A request). */
  known: boolean;
  maxBytes?: number;
  maxDepth?: number;
  /** The transport already saw invalid UTF-8 in this payload (an SSE event decoded leniently). */
  invalidUtf8?: boolean;
}

/** Recognise one payload; see the module comment. Never throws. */
export function recogniseJsonRpc(payload: Buffer | Uint8Array | string, opts: RecogniseOptions): Recognised {
  const json = couldBeJson(payload);
  // Not an object or an array: no JSON-RPC message, whatever the strict reader would say
  // (a refusal needs `json`, a JSON scalar is no message), so a long text body is not
  // decoded and read for nothing (4 MiB of words took ~20 ms of one turn).
  if (!json) return { kind: 'ordinary' };
  if (opts.invalidUtf8 && (opts.known || mentionsJsonRpc(payload))) return { kind: 'unreadable', code: 'invalid_utf8', message: 'not valid UTF-8' };
  const read = readJsonStrict(payload, {
    maxBytes: opts.maxBytes ?? DEFAULT_JSONRPC_LIMITS.maxBytes,
    maxDepth: opts.maxDepth ?? DEFAULT_JSONRPC_LIMITS.maxDepth,
  });
  return decide(payload, read, opts.known);
}

/** Payloads longer than this are recognised in paced steps by the callers that can wait (request bodies, JSON answers). */
export const PACED_BYTES = 64 * 1024;

/**
 * recogniseJsonRpc for a long payload, in bounded steps on the exchange's `pace`
 * (json-strict.ts: readJsonRpcStrictPaced); the same answer, never one long call. A
 * strict JSON payload with no `jsonrpc` key on any message is ordinary without being
 * parsed (no message in it could be JSON-RPC or claim to be). Throws ScanBudgetError
 * past the exchange's budget.
 */
export async function recogniseJsonRpcPaced(payload: Buffer, opts: Omit<RecogniseOptions, 'invalidUtf8'>, pace: ScanPace): Promise<Recognised> {
  if (!couldBeJson(payload)) return { kind: 'ordinary' };
  const read = await readJsonRpcStrictPaced(
    payload,
    { maxBytes: opts.maxBytes ?? DEFAULT_JSONRPC_LIMITS.maxBytes, maxDepth: opts.maxDepth ?? DEFAULT_JSONRPC_LIMITS.maxDepth },
    pace,
  );
  return read.ok && 'noJsonRpc' in read ? { kind: 'ordinary' } : decide(payload, read, opts.known);
}

/** What a strict read of a payload that could be JSON makes of it (see the module comment). */
function decide(payload: Buffer | Uint8Array | string, read: StrictJsonResult, known: boolean): Recognised {
  if (!read.ok) return known || mentionsJsonRpc(payload) ? { kind: 'unreadable', code: read.code, message: read.message } : { kind: 'ordinary' };
  const parsed = classifyPayload(read.value);
  if (parsed.ok) return { kind: 'rpc', batch: parsed.batch, messages: parsed.messages };
  return claimsRpc(read.value, known) ? { kind: 'unreadable', code: parsed.code, message: parsed.message } : { kind: 'ordinary' };
}

/** Some message in `value` says it is JSON-RPC (see the module comment). */
function claimsRpc(value: unknown, known: boolean): boolean {
  const items = Array.isArray(value) ? value : [value];
  return items.some((m) => {
    if (!isObject(m)) return false;
    let rpc = false;
    let ours = false;
    for (const [k, v] of Object.entries(m)) {
      const f = foldKey(k);
      if (f === 'jsonrpc') rpc = true;
      else if (f === 'method' && typeof v === 'string' && (isMcpMethod(v) || isA2aMethod(v))) ours = true;
    }
    return rpc && (known || ours);
  });
}

/**
 * The refusal text for an unreadable message (never quotes the payload).
 *
 * @example
 * unreadableReason({ kind: 'unreadable', code: 'too_deep', message: 'nested deeper than 64 levels' })
 */
export function unreadableReason(r: Extract<Recognised, { kind: 'unreadable' }>): string {
  return `the JSON-RPC message cannot be read the way its receiver would read it (${r.message}); refused`;
}
