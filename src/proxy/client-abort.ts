import { ErrorCode, SluiceError } from '../errors.js';
import type { RequestContext } from './request-context.js';

/**
 * The agent closed its connection before the exchange ended (mid-upload, while the
 * upstream thought, mid-download). Not a failure of the gate or of the upstream: it is
 * logged at debug and recorded as `client_aborted`, never as an internal error.
 */
export class ClientAbortedError extends SluiceError {
  constructor() {
    super(ErrorCode.CLIENT_ABORTED, 'the agent closed its connection before the exchange ended');
  }
}

/** Whether the agent's side of this exchange is gone before its response was complete. */
export function clientGone(ctx: RequestContext): boolean {
  if (ctx.res.writableFinished) return false;
  return ctx.res.destroyed || ctx.req.socket.destroyed;
}

/**
 * Record that the agent left, unless the gate already recorded why the exchange ended
 * (it cut it itself: a refusal mid-stream, an upstream failure, a revocation, the drain)
 * or it was a deny the agent did not wait to read.
 */
export function markClientAbort(ctx: RequestContext): void {
  if (ctx.res.writableFinished || ctx.error !== null || ctx.outcome === 'deny' || ctx.outcome === 'challenge') return;
  ctx.outcome = 'error';
  ctx.reason = ctx.error = 'client_aborted';
}
