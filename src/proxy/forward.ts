import type { Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import { ReflectionScrubber, scrubHeaders } from '../credentials/reflection-scrubber.js';
import { clientResponseHeaders } from './hop-by-hop.js';
import type { RequestContext } from './request-context.js';

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
}

/**
 * Stream one exchange through `dispatcher`: the request body from the agent to the
 * upstream and the response back, chunk by chunk with backpressure both ways (memory
 * stays flat whatever the size). Resolves when the response has ended; rejects with the
 * upstream error if it fails before any response byte reached the agent.
 */
export function forward(ctx: RequestContext, dispatcher: Dispatcher, fr: ForwardRequest): Promise<void> {
  const { res } = ctx;
  return new Promise<void>((resolve, reject) => {
    let controller: Dispatcher.DispatchController | null = null;
    let settled = false;
    const done = (err?: Error): void => {
      if (settled) return;
      settled = true;
      res.off('close', onClientClose);
      if (err) reject(err);
      else resolve();
    };
    const onClientClose = (): void => {
      // The agent went away mid-exchange: stop the upstream side too.
      if (!res.writableFinished) controller?.abort(new Error('client closed the connection'));
    };
    res.on('close', onClientClose);
    const onDrain = (): void => controller?.resume();
    const scrubber = fr.scrub.length > 0 ? new ReflectionScrubber(fr.scrub) : null;
    let headerReflections = 0;
    const emit = (c: Dispatcher.DispatchController, chunk: Buffer): void => {
      if (chunk.length === 0) return;
      if (!res.write(chunk)) {
        c.pause();
        res.once('drain', onDrain);
      }
    };

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (res.destroyed) c.abort(new Error('client closed the connection'));
      },
      onResponseStart(_c, statusCode, headers: IncomingHttpHeaders, statusMessage) {
        ctx.outcome ??= 'allow';
        res.statusCode = statusCode;
        if (statusMessage) res.statusMessage = statusMessage;
        let out = clientResponseHeaders(headers);
        if (scrubber) {
          const scrubbed = scrubHeaders(out as Record<string, string | string[] | undefined>, fr.scrub);
          out = scrubbed.headers;
          headerReflections = scrubbed.replaced;
          // Redaction changes the body's length; let it go chunked.
          delete out['content-length'];
        }
        for (const k in out) res.setHeader(k, out[k]!);
        // A body of unknown length may be a stream (SSE, long poll): let the agent see
        // the head now. With a length, the head rides in the first body write instead.
        if (out['content-length'] === undefined) res.flushHeaders();
      },
      onResponseData(c, chunk) {
        ctx.bytesOut += chunk.length;
        emit(c, scrubber ? scrubber.push(chunk) : chunk);
      },
      onResponseEnd(c) {
        if (scrubber) {
          emit(c, scrubber.end());
          const n = scrubber.replaced + headerReflections;
          if (n > 0) ctx.findings.push({ type: 'reflected_secret', location: 'response', action: 'redact' });
        }
        res.end();
        done();
      },
      onResponseError(_c, err) {
        if (res.headersSent) {
          // Mid-body failure: the agent must see a truncated response, not a clean end.
          ctx.error = 'upstream_failed_mid_response';
          res.destroy(err);
          done();
        } else {
          done(err);
        }
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

/** The agent's request body, counted as it streams. */
export async function* countedBody(ctx: RequestContext): AsyncGenerator<Buffer> {
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    ctx.bytesIn += chunk.length;
    yield chunk;
  }
}
