import type { IncomingMessage } from 'node:http';
import { DECISION_HEADER } from '../deny-response.js';
import type { RequestContext } from '../request-context.js';
import { headerText } from '../header-text.js';
import { MAX_BATCH } from '../coalesce.js';

/**
 * Body types the MCP intake reads: JSON, and the types a lenient server might still
 * parse as JSON (text/plain, none at all, and any type that merely contains "json":
 * servers that test `includes('application/json')` take `application/json-rpc`), so a
 * content type is no way around the guard.
 */
const RPC_CANDIDATE_TYPE = /json|^(?:text\/plain)?\s*(?:;|$)/i;

/**
 * The gate answers an MCP request itself (every message in it refused, or a
 * refused notification): a JSON-RPC payload with status 200, or 202 with no body
 * when there is nothing to say. The exchange's own audit record says which refusal.
 *
 * @example
 * answerMcp(ctx, jsonRpcDeny(7, deny), { error: 'policy_denied', rule: 'no-delete' });
 */
export function answerMcp(ctx: RequestContext, payload: unknown, refusal: { error: string; rule: string | null } | null): void {
  const res = ctx.res;
  ctx.synthesised = true;
  if (refusal) {
    ctx.outcome = 'deny';
    ctx.reason = refusal.error;
  }
  res.setHeader(DECISION_HEADER, ctx.decisionId);
  if (payload === null) {
    res.statusCode = 202;
    res.setHeader('content-length', '0');
    res.end();
    return;
  }
  const body = Buffer.from(JSON.stringify(payload), 'utf8');
  res.statusCode = 200;
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-length', String(body.length));
  res.end(body);
}

/** A request whose body the MCP intake will read: a POST whose body may be JSON (see RPC_CANDIDATE_TYPE). */
export function mcpCandidate(req: IncomingMessage): boolean {
  return req.method === 'POST' && RPC_CANDIDATE_TYPE.test(headerText(req.headers['content-type']).trim());
}

/** A GET that asks for an event stream: it may be an MCP server's stream (Streamable HTTP GET, or the old HTTP+SSE transport). */
export function wantsEventStream(req: IncomingMessage): boolean {
  const a = req.headers.accept;
  return req.method === 'GET' && typeof a === 'string' && a.toLowerCase().includes('text/event-stream');
}

/**
 * A body already in hand (read ahead by the MCP intake, or held for an approval), as the
 * stream the upstream request reads: in views of at most MAX_BATCH (64 KiB), as the agent's
 * socket would have delivered it, so every stage after it (the method-override reader,
 * DLP, the upstream write) works a piece at a time with turns between, never on 4 MiB
 * in one call or one write(2).
 */
export function once(body: Buffer): AsyncIterable<Buffer> {
  return {
    [Symbol.asyncIterator]: () => {
      let at = 0;
      return {
        next: () => {
          if (at >= body.length) return Promise.resolve({ done: true, value: undefined });
          const piece = at === 0 && body.length <= MAX_BATCH ? body : body.subarray(at, at + MAX_BATCH);
          at += piece.length;
          return Promise.resolve({ done: false, value: piece });
        },
      };
    },
  };
}
