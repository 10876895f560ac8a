import type { Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import { ReflectionScrubber, scrubHeaders } from '../credentials/reflection-scrubber.js';
import { clientResponseHeaders } from './hop-by-hop.js';
import { requestBody } from './framing-guard.js';
import type { RequestContext } from './request-context.js';
import type { BodyInspector } from './response-inspector.js';
import { IdentityError } from '../identity/errors.js';
import type { Cut } from './live-exchanges.js';
import { ClientAbortedError, clientGone, markClientAbort } from './client-abort.js';
import { classifyUpstreamFailure, UpstreamResponseError } from './upstream-failure.js';
import { onAgentIdle } from './agent-idle.js';

export interface ForwardRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  /** TLS name to present upstream (SNI and certificate check); null for IP literals. */
  servername: string | null;
  /** The request body as it goes upstream (counted, possibly rewritten), or null. */
  body: AsyncIterable<Buffer> | null;
  /**
   * Secret values (and their encodings) injected into this request: if the upstream
   * reflects any of them back, the agent gets a redaction marker instead.
   */
  scrub: readonly Buffer[];
  /** Set up response inspection from the upstream's head, or null to stream as is. */
  inspect: ((status: number, headers: IncomingHttpHeaders) => BodyInspector | null) | null;
  /** Fired when the agent's identity expires or is revoked: the exchange ends, upload and download. */
  cut?: Cut | undefined;
}

/**
 * Stream one exchange through `dispatcher`: the request body from the agent to the
 * upstream and the response back, chunk by chunk with backpressure both ways (memory
 * stays flat whatever the size). An inspected response goes through its inspector,
 * holding the head back until the first `holdBytes` are scanned so a refusal can still
 * be a clean 403. Resolves when the response has ended; rejects with the error if it
 * fails (or is refused) before any response byte reached the agent, and also after,
 * with the connection cut, when the upstream failed (UpstreamResponseError: recorded
 * and logged by the caller) or the agent left (ClientAbortedError).
 */
export function forward(ctx: RequestContext, dispatcher: Dispatcher, fr: ForwardRequest): Promise<void> {
  const { res } = ctx;
  return new Promise<void>((resolve, reject) => {
    if (fr.cut?.reason) return reject(fr.cut.reason);
    // The agent left while the request was decided or resolved: nothing is dialled for it.
    if (res.destroyed) return reject(new ClientAbortedError());
    let controller: Dispatcher.DispatchController | null = null;
    let settled = false;
    const done = (err?: Error): void => {
      if (settled) return;
      settled = true;
      res.off('close', onClientClose);
      res.off('timeout', onIdle);
      if (err) reject(err);
      else resolve();
    };
    const onClientClose = (): void => {
      if (res.writableFinished) return;
      // The agent went away mid-exchange (unless the gate cut it, and said why): stop the upstream side too.
      markClientAbort(ctx);
      controller?.abort(new ClientAbortedError());
    };
    /** The upstream's final head arrived: a connection lost from here on lost part of a body. */
    let started = false;
    /** The answer will be the gate's own: nothing of the upstream's head may stay on it. */
    const forgetHead = (): void => {
      for (const name of res.getHeaderNames()) res.removeHeader(name);
      // Else the deny answer would go out as `502 OK`, with the upstream's reason phrase.
      res.statusMessage = '';
    };
    res.on('close', onClientClose);
    const onIdle = (): void => onAgentIdle(ctx, controller, started);
    // A listener here means Node no longer destroys the socket itself on timeout: onAgentIdle does (agent-idle.ts).
    res.on('timeout', onIdle);
    // Aborting with the identity's error ends the upload and the download alike; it
    // comes back through onResponseError below.
    fr.cut?.listen((why) => controller?.abort(why));
    let awaitingDrain = false;
    const onDrain = (): void => {
      awaitingDrain = false;
      controller?.resume();
    };
    const scrubber = fr.scrub.length > 0 ? new ReflectionScrubber(fr.scrub) : null;
    let headerReflections = 0;
    let inspector: BodyInspector | null = null;
    let held: Buffer[] | null = null;
    let heldBytes = 0;
    let queue: Promise<void> = Promise.resolve();
    let failed = false;
    let ended = false;
    /**
     * A small inspected body whose declared length came in its first chunk: kept here
     * (no pause, no promise) and inspected whole at the end (BodyInspector.scanWhole),
     * which follows in the same parse. -1: not this response.
     */
    let wholeLength = -1;
    let whole: Buffer | null = null;
    /**
     * A stream must flow: bytes the inspector (or the head hold here) keeps back wait
     * at most the inspector's `holdMs`, then are released once scanned (`flush`), the
     * head with them. A whole response that arrives within it is unaffected.
     */
    let holdTimer: NodeJS.Timeout | null = null;
    const clearHold = (): void => {
      if (holdTimer) clearTimeout(holdTimer);
      holdTimer = null;
    };
    const armHold = (c: Dispatcher.DispatchController, insp: BodyInspector): void => {
      if (holdTimer || failed || ended || !insp.flush || !insp.holdMs) return;
      if ((insp.held ?? 0) === 0 && heldBytes === 0) return;
      holdTimer = setTimeout(() => {
        holdTimer = null;
        queue = queue
          .then(async () => {
            if (failed || ended) return;
            for (const part of await insp.flush!()) emit(c, part);
            if (held && heldBytes > 0 && !release()) pauseForDrain(c);
          })
          .catch((err: Error) => fail(c, err));
      }, insp.holdMs);
      holdTimer.unref();
    };

    /** Send bytes to the agent (after scrubbing), or hold them while the head waits. */
    const out = (chunk: Buffer): boolean => {
      if (chunk.length === 0) return true;
      if (held) {
        held.push(chunk);
        heldBytes += chunk.length;
        if (heldBytes < (inspector?.holdBytes ?? 0)) return true;
        return release();
      }
      return res.write(chunk);
    };
    const release = (): boolean => {
      const h = held;
      held = null;
      heldBytes = 0;
      if (!h || h.length === 0) return true;
      return res.write(h.length === 1 ? h[0]! : Buffer.concat(h));
    };
    const pauseForDrain = (c: Dispatcher.DispatchController): void => {
      c.pause();
      // One listener per stall, however many writes hit the full buffer.
      if (!awaitingDrain) {
        awaitingDrain = true;
        res.once('drain', onDrain);
      }
    };
    /** Scrubbed, then out; false when the agent's socket is full. */
    const send = (chunk: Buffer): boolean => out(scrubber ? scrubber.push(chunk) : chunk);
    const emit = (c: Dispatcher.DispatchController, chunk: Buffer): void => {
      if (!send(chunk)) pauseForDrain(c);
    };
    const finish = (): void => {
      if (scrubber) {
        out(scrubber.end());
        if (scrubber.replaced + headerReflections > 0) ctx.findings.push({ type: 'reflected_secret', location: 'response', action: 'redact' });
      }
      if (held && !res.headersSent) {
        // The whole (inspected, scrubbed) body is in hand and the head still waits: send
        // both in one write with the body's real length, instead of a chunked body and a
        // separate terminating chunk (one write per small inspected response).
        const body = held.length === 1 ? held[0]! : Buffer.concat(held);
        held = null;
        heldBytes = 0;
        res.setHeader('content-length', body.length);
        res.end(body);
      } else {
        release();
        res.end();
      }
      done();
    };
    const fail = (c: Dispatcher.DispatchController, err: Error): void => {
      if (failed) return;
      failed = true;
      clearHold();
      if (inspector) ctx.findings.push(...inspector.findings);
      if (!c.aborted) c.abort(err);
      if (!res.headersSent) {
        // Nothing reached the agent: forget the upstream's head and answer with the deny body.
        forgetHead();
        done(err);
      } else {
        // The head (and maybe part of the body) is out: a cut is the only honest signal.
        ctx.error = 'response_refused_mid_stream';
        ctx.outcome = 'deny';
        res.destroy();
        done();
      }
    };

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (res.destroyed) c.abort(new ClientAbortedError());
        else if (fr.cut?.reason) c.abort(fr.cut.reason);
      },
      onResponseStart(_c, statusCode, headers: IncomingHttpHeaders, statusMessage) {
        // An informational head (103 Early Hints) is not the response; the final one follows.
        if (statusCode < 200) return;
        started = true;
        ctx.outcome ??= 'allow';
        res.statusCode = statusCode;
        // The reason phrase is the upstream's text too: scrubbed like a header.
        if (statusMessage && scrubber) {
          const r = scrubHeaders({ reason: statusMessage }, fr.scrub);
          res.statusMessage = r.headers.reason;
          headerReflections += r.replaced;
        } else if (statusMessage) res.statusMessage = statusMessage;
        // Fields dropped below are set to undefined, not deleted: a delete turns the
        // object into a hash table, and every later read of it (the scrub, the copy,
        // the loop) into a slow lookup.
        let h = clientResponseHeaders(headers);
        inspector = fr.inspect?.(statusCode, headers) ?? null;
        if (inspector) {
          if (inspector.decodes) h['content-encoding'] = undefined;
          // Inspection may change or strip the body: its length is known only at the end.
          h['content-length'] = undefined;
          if (inspector.holdBytes > 0) held = [];
          const cl = headers['content-length'];
          if (held && inspector.scanWhole && typeof cl === 'string') wholeLength = Number(cl);
        }
        if (scrubber) {
          const scrubbed = scrubHeaders(h as Record<string, string | string[] | undefined>, fr.scrub);
          h = scrubbed.headers;
          headerReflections += scrubbed.replaced;
          // Redaction changes the body's length; let it go chunked.
          h['content-length'] = undefined;
        }
        for (const k in h) {
          const v = h[k];
          if (v !== undefined) res.setHeader(k, v);
        }
        // A body of unknown length may be a stream (SSE, long poll): let the agent see
        // the head now. With a length (or while holding), the head rides with the body:
        // the upstream's length counts even when scrubbing or inspection dropped it (one
        // TLS record and write per small response instead of two).
        if (headers['content-length'] === undefined && !held) res.flushHeaders();
      },
      onResponseData(c, chunk) {
        // undici delivers empty chunks (e.g. when resumed); pausing on one would make it
        // deliver another on resume, forever, starving the event loop.
        if (chunk.length === 0) return;
        ctx.bytesOut += chunk.length;
        const insp = inspector;
        if (!insp) return emit(c, chunk);
        if (whole === null && chunk.length === wholeLength) {
          wholeLength = -1;
          whole = chunk;
          return;
        }
        wholeLength = -1;
        if (whole !== null) {
          // More than the declared length: inspected the ordinary way, in order.
          const first = whole;
          whole = null;
          queue = queue.then(async () => {
            if (failed) return;
            for (const part of await insp.push(first)) send(part);
          });
        }
        c.pause();
        queue = queue
          .then(async () => {
            if (failed) return;
            for (const part of await insp.push(chunk)) emit(c, part);
            armHold(c, insp);
          })
          .then(
            () => {
              if (!failed && !awaitingDrain) c.resume();
            },
            (err: Error) => fail(c, err),
          );
      },
      onResponseEnd(c) {
        const insp = inspector;
        if (!insp) return finish();
        ended = true;
        clearHold();
        if (whole !== null) {
          const body = whole;
          whole = null;
          let parts: Buffer[] | null;
          try {
            parts = insp.scanWhole!(body);
          } catch (err) {
            return fail(c, err as Error);
          }
          if (parts !== null) {
            for (const part of parts) send(part);
            ctx.findings.push(...insp.findings);
            return finish();
          }
          // This inspector could not take it whole: pushed, then ended, as usual.
          queue = queue.then(async () => {
            if (failed) return;
            for (const part of await insp.push(body)) send(part);
          });
        }
        queue = queue
          .then(async () => {
            if (failed) return;
            for (const part of await insp.end()) send(part);
            ctx.findings.push(...insp.findings);
            finish();
          })
          .catch((err: Error) => fail(c, err));
      },
      onResponseError(_c, err) {
        clearHold();
        if (failed) return;
        if (err instanceof ClientAbortedError || (clientGone(ctx) && !(err instanceof IdentityError))) {
          // Whatever failed, it failed because the agent left (its upload ended short, or we aborted for it).
          markClientAbort(ctx);
          res.destroy();
          return done(new ClientAbortedError());
        }
        if (res.headersSent && err instanceof IdentityError) {
          ctx.outcome = 'deny';
          ctx.reason = ctx.error = err.reason;
          res.destroy();
          return done();
        }
        const precise = classifyUpstreamFailure(err, started) ?? err;
        if (res.headersSent) {
          // Mid-body failure: the agent must see a truncated response, not a clean end.
          // Recorded here, before the cut closes the response (and its record is written).
          ctx.outcome = 'error';
          ctx.reason = precise instanceof UpstreamResponseError ? precise.outcome : 'upstream_failed';
          ctx.error = precise instanceof UpstreamResponseError ? precise.outcome : 'upstream_failed_mid_response';
          res.destroy();
        } else {
          // The head may be set but held: the deny answer must not carry the upstream's headers.
          forgetHead();
        }
        done(precise);
      },
    };

    dispatcher.dispatch(
      {
        path: fr.path,
        method: fr.method,
        headers: fr.headers,
        body: fr.body,
        servername: fr.servername ?? undefined,
        // A request that fails half-way must not be silently replayed upstream.
        idempotent: false,
      } as Dispatcher.DispatchOptions,
      handler,
    );
  });
}

/** The agent's request body, counted as it streams (tiny chunks batched: see coalesce.ts). */
export async function* countedBody(ctx: RequestContext): AsyncGenerator<Buffer> {
  for await (const chunk of requestBody(ctx.req)) {
    ctx.bytesIn += chunk.length;
    yield chunk;
  }
}
