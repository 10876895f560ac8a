import type { Dispatcher } from 'undici';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { requestBody } from './framing-guard.js';
import type { RequestContext } from './request-context.js';
import { ResponseBlockedError, type BodyInspector } from './response-inspector.js';
import { addFindingsOnce } from '../inspect/finding.js';
import { IdentityError } from '../identity/errors.js';
import type { Cut } from './cut.js';
import { ClientAbortedError, clientGone, markClientAbort } from './client-abort.js';
import { classifyUpstreamFailure, UpstreamResponseError } from './upstream-failure.js';
import { onAgentIdle } from './agent-idle.js';
import { openChain, type BodyFilter, type ResponseFlow } from './pipeline/response/chain.js';
import { InspectFilter } from './pipeline/response/inspect.js';
import type { UsageReader } from '../inspect/llm/usage-reader.js';

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
  /** An LLM API call's usage tap (proxy/budgets.ts). */
  usage?: ((status: number, headers: IncomingHttpHeaders) => UsageReader | null) | null;
}

/**
 * Stream one exchange through `dispatcher`: the request body from the agent to the
 * upstream and the response back, chunk by chunk with backpressure both ways (memory
 * stays flat whatever the size), through the response's body filters (inspect, scrub,
 * hold: pipeline/response/chain.ts). Resolves when the response has ended; rejects with
 * the error if it fails (or is refused) before any response byte reached the agent, and
 * also after, with the connection cut, when the upstream failed (UpstreamResponseError:
 * recorded and logged by the caller) or the agent left (ClientAbortedError).
 */
export function forward(ctx: RequestContext, dispatcher: Dispatcher, fr: ForwardRequest): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (fr.cut?.reason) return reject(fr.cut.reason);
    // The agent left while the request was decided or resolved: nothing is dialled for it.
    if (ctx.res.destroyed) return reject(new ClientAbortedError());
    ctx.sentNs = process.hrtime.bigint();
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
      new ResponseDriver(ctx, fr, resolve, reject),
    );
  });
}

/**
 * undici's handler for one exchange, wired to the response's body filters, and the
 * flow they call back: backpressure (the upstream waits while the agent's socket is
 * full), refusal, the end, and the ways an exchange fails (the agent leaves, the
 * identity is cut, the upstream fails) before or after the head reached the agent.
 */
class ResponseDriver implements Dispatcher.DispatchHandler, ResponseFlow {
  readonly res: ServerResponse;
  failed = false;
  #controller: Dispatcher.DispatchController | null = null;
  #settled = false;
  /** The upstream's final head arrived: a connection lost from here on lost part of a body. */
  #started = false;
  #awaitingDrain = false;
  /** The response's first body filter, from its head. */
  #first: BodyFilter | null = null;

  constructor(
    readonly ctx: RequestContext,
    private readonly fr: ForwardRequest,
    private readonly resolve: () => void,
    private readonly reject: (err: Error) => void,
  ) {
    const res = (this.res = ctx.res);
    res.on('close', this.#onClientClose);
    // A listener here means Node no longer destroys the socket itself on timeout: onAgentIdle does (agent-idle.ts).
    res.on('timeout', this.#onIdle);
    // Aborting with the identity's error ends the upload and the download alike; it
    // comes back through onResponseError below.
    fr.cut?.listen((why) => this.#controller?.abort(why));
  }

  readonly #onClientClose = (): void => {
    if (this.res.writableFinished) return;
    // The agent went away mid-exchange (unless the gate cut it, and said why): stop the upstream side too.
    markClientAbort(this.ctx);
    this.#controller?.abort(new ClientAbortedError());
  };

  readonly #onIdle = (): void => onAgentIdle(this.ctx, this.#controller, this.#started);

  readonly #onDrain = (): void => {
    this.#awaitingDrain = false;
    this.#controller?.resume();
  };

  done(err?: Error): void {
    if (this.#settled) return;
    this.#settled = true;
    this.res.off('close', this.#onClientClose);
    this.res.off('timeout', this.#onIdle);
    if (err) this.reject(err);
    else this.resolve();
  }

  pause(): void {
    this.#controller!.pause();
  }

  resume(): void {
    if (!this.failed && !this.#awaitingDrain) this.#controller!.resume();
  }

  stall(): void {
    this.#controller!.pause();
    // One listener per stall, however many writes hit the full buffer.
    if (!this.#awaitingDrain) {
      this.#awaitingDrain = true;
      this.res.once('drain', this.#onDrain);
    }
  }

  fail(err: Error): void {
    if (this.failed) return;
    this.failed = true;
    const c = this.#controller!;
    if (!c.aborted) c.abort(err);
    if (!this.res.headersSent) {
      // Nothing reached the agent: forget the upstream's head and answer with the deny body.
      this.#forgetHead();
      this.done(err);
    } else {
      // The head (and maybe part of the body) is out: a cut is the only honest signal.
      // The refusal's own findings (a limit, an unreadable body) go on the record here;
      // before the head, recordFailure puts them there.
      if (err instanceof ResponseBlockedError) addFindingsOnce(this.ctx.findings, err.findings);
      this.ctx.error = 'response_refused_mid_stream';
      this.ctx.outcome = 'deny';
      this.res.destroy();
      this.done();
    }
  }

  /** The answer will be the gate's own: nothing of the upstream's head may stay on it. */
  #forgetHead(): void {
    for (const name of this.res.getHeaderNames()) this.res.removeHeader(name);
    // Else the deny answer would go out as `502 OK`, with the upstream's reason phrase.
    this.res.statusMessage = '';
  }

  onRequestStart(c: Dispatcher.DispatchController): void {
    this.#controller = c;
    if (this.res.destroyed) c.abort(new ClientAbortedError());
    else if (this.fr.cut?.reason) c.abort(this.fr.cut.reason);
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    // An informational head (103 Early Hints) is not the response; the final one follows.
    if (statusCode < 200) return;
    this.#started = true;
    this.ctx.headNs = process.hrtime.bigint();
    this.ctx.outcome ??= 'allow';
    this.res.statusCode = statusCode;
    this.#first = openChain(this, this.fr, statusCode, headers, statusMessage ?? '');
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    // undici delivers empty chunks (e.g. when resumed); pausing on one would make it
    // deliver another on resume, forever, starving the event loop.
    if (chunk.length === 0) return;
    this.ctx.bytesOut += chunk.length;
    if (!this.#first!.push(chunk)) this.stall();
  }

  onResponseEnd(): void {
    this.#first!.end();
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    if (this.#first instanceof InspectFilter) this.#first.stop();
    if (this.failed) return;
    const { ctx, res } = this;
    if (err instanceof ClientAbortedError || (clientGone(ctx) && !(err instanceof IdentityError))) {
      // Whatever failed, it failed because the agent left (its upload ended short, or we aborted for it).
      markClientAbort(ctx);
      res.destroy();
      return this.done(new ClientAbortedError());
    }
    if (res.headersSent && err instanceof IdentityError) {
      ctx.outcome = 'deny';
      ctx.reason = ctx.error = err.reason;
      res.destroy();
      return this.done();
    }
    const precise = classifyUpstreamFailure(err, this.#started) ?? err;
    if (res.headersSent) {
      // Mid-body failure: the agent must see a truncated response, not a clean end.
      // Recorded here, before the cut closes the response (and its record is written).
      ctx.outcome = 'error';
      ctx.reason = precise instanceof UpstreamResponseError ? precise.outcome : 'upstream_failed';
      ctx.error = precise instanceof UpstreamResponseError ? precise.outcome : 'upstream_failed_mid_response';
      res.destroy();
    } else {
      // The head may be set but held: the deny answer must not carry the upstream's headers.
      this.#forgetHead();
    }
    this.done(precise);
  }
}

/** The agent's request body, counted as it streams (tiny chunks batched: see coalesce.ts). */
export async function* countedBody(ctx: RequestContext): AsyncGenerator<Buffer> {
  for await (const chunk of requestBody(ctx.req)) {
    ctx.bytesIn += chunk.length;
    yield chunk;
  }
}
