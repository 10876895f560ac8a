/**
 * The response side of an exchange as a chain of body filters (DESIGN.md, "The
 * pipeline"): the upstream's body goes through inspect (when this response is
 * inspected), scrub (when secrets were injected into the request) and hold (the head
 * hold, and the agent's socket), in that order, each one file. `forward()` (forward.ts)
 * is the driver: it wires undici's handler to the first filter and answers the filters'
 * calls back (ResponseFlow: backpressure, refusal, the end).
 *
 * A filter is a plain object called synchronously, once per chunk: no promise and no
 * closure per chunk unless a filter has real work to wait for (inspect's scan). Filters
 * that do not apply to a response are left out of its chain, not passed through.
 *
 * @example
 * const first = openChain(flow, fr, statusCode, upstreamHeaders, statusMessage);
 * if (!first.push(chunk)) flow.stall();
 * first.end();
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { ResponseHeaders } from '../../../credentials/reflection-scrubber.js';
import { clientResponseHeaders } from '../../hop-by-hop.js';
import type { RequestContext } from '../../request-context.js';
import type { BodyInspector } from '../../response-inspector.js';
import { HoldFilter } from './hold.js';
import { InspectFilter } from './inspect.js';
import { ScrubFilter } from './scrub.js';
import { UsageFilter } from './usage.js';
import type { UsageReader } from '../../../inspect/llm/usage-reader.js';

/** One step of a response body on its way to the agent. */
export interface BodyFilter {
  /** The body's next bytes; false when the agent's socket is full (the driver holds the upstream until it drains). */
  push(chunk: Buffer): boolean;
  /** Bytes have waited `holdMs` for more: let go what waits only for more (the head hold); false as for push. */
  release(): boolean;
  /** Bytes held back now that a `release()` would let go (0: none, no timer is needed for them). */
  readonly waiting: number;
  /** The body is complete: pass on what is left, then end the response. */
  end(): void;
}

/** What the filters ask of the exchange that drives them (forward.ts). */
export interface ResponseFlow {
  readonly ctx: RequestContext;
  readonly res: ServerResponse;
  /** The response was refused or failed: nothing more is passed on. */
  readonly failed: boolean;
  /** Hold the upstream: work on what it sent is in progress. */
  pause(): void;
  /** Let the upstream go on, unless the response failed or waits for the agent's socket to drain. */
  resume(): void;
  /** The agent's socket is full: hold the upstream until it drains. */
  stall(): void;
  /** Refuse the response: a clean deny while nothing was sent, a cut after. */
  fail(err: Error): void;
  /** The response was sent whole. */
  done(): void;
}

/** What of the request the response chain needs (a part of ForwardRequest). */
export interface ChainRequest {
  readonly scrub: readonly Buffer[];
  readonly inspect: ((status: number, headers: IncomingHttpHeaders) => BodyInspector | null) | null;
  /** An LLM API call's usage tap (proxy/budgets.ts), last before hold. */
  readonly usage?: ((status: number, headers: IncomingHttpHeaders) => UsageReader | null) | null;
}

/**
 * The filters for one response, from its final head; sets the head the agent gets
 * (each filter edits it as it needs) and sends it now when the body may be a stream.
 * Returns the first filter.
 */
export function openChain(flow: ResponseFlow, fr: ChainRequest, status: number, headers: IncomingHttpHeaders, statusMessage: string): BodyFilter {
  const { res } = flow;
  const inspector = fr.inspect?.(status, headers) ?? null;
  const hold = new HoldFilter(flow, inspector);
  const tap = fr.usage?.(status, headers) ?? null;
  // The usage tap sits just before the agent's socket: it sees what the agent gets (after scrub), never a refused body.
  const out = tap ? new UsageFilter(tap, hold) : hold;
  const scrub = fr.scrub.length > 0 ? new ScrubFilter(flow.ctx, fr.scrub, out) : null;
  // The reason phrase is the upstream's text too: scrubbed like a header.
  if (statusMessage) res.statusMessage = scrub ? scrub.reason(statusMessage) : statusMessage;
  // Fields dropped below are set to undefined, not deleted: a delete turns the object
  // into a hash table, and every later read of it (the scrub, the copy, the loop) into
  // a slow lookup.
  let h: OutgoingHttpHeaders = clientResponseHeaders(headers);
  const first = inspector ? new InspectFilter(flow, inspector, scrub ?? out, hold.holding ? headers['content-length'] : undefined) : (scrub ?? out);
  if (inspector) InspectFilter.head(inspector, h);
  if (scrub) h = scrub.head(h as ResponseHeaders);
  for (const k in h) {
    const v = h[k];
    if (v !== undefined) res.setHeader(k, v);
  }
  // A body of unknown length may be a stream (SSE, long poll): let the agent see the
  // head now. With a length (or while holding), the head rides with the body: the
  // upstream's length counts even when scrubbing or inspection dropped it (one TLS
  // record and write per small response instead of two).
  if (headers['content-length'] === undefined && !hold.holding) res.flushHeaders();
  return first;
}
