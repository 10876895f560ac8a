import { errors, type Dispatcher } from 'undici';
import type { RequestContext } from './request-context.js';
import { UpstreamResponseError } from './upstream-failure.js';

/**
 * Nothing moved on the agent's socket for `timeouts.idle` (the server's socket timeout)
 * while forward() runs. With the upload done it is the upstream that stalled, and it is
 * named so (undici's own body timeout, the same length, may come second): the exchange
 * is aborted with the upstream's error, so a held head still becomes a clean 504. While
 * the agent is still uploading, it is the agent that stalled: cut, as Node would.
 *
 * @example
 * res.on('timeout', () => onAgentIdle(ctx, controller, started));
 */
export function onAgentIdle(ctx: RequestContext, controller: Dispatcher.DispatchController | null, started: boolean): void {
  if (!ctx.req.complete || !controller) {
    if (ctx.error === null) {
      ctx.outcome = 'error';
      // No controller yet: still waiting for a connection to the upstream.
      ctx.reason = ctx.error = ctx.req.complete ? 'upstream_timeout' : 'client_idle_timeout';
    }
    ctx.res.destroy();
    return;
  }
  controller.abort(
    started
      ? new UpstreamResponseError(
          'upstream_body_timeout',
          'upstream_body_timeout',
          'idle',
          'the upstream stopped sending the response body for longer than timeouts.idle',
        )
      : new errors.HeadersTimeoutError(),
  );
}
