import type { RespondSpec } from '../policy/types.js';
import { DECISION_HEADER } from './deny-response.js';
import type { RequestContext } from './request-context.js';

/**
 * Answer from the rule itself (`respond:`): no upstream is contacted, nothing is
 * resolved. For stubbing a service or parking a deprecated endpoint.
 */
export function synthesize(ctx: RequestContext, spec: RespondSpec): void {
  const body = Buffer.from(spec.body, 'utf8');
  ctx.synthesised = true;
  ctx.outcome ??= 'allow';
  ctx.bytesOut = body.length;
  ctx.res.writeHead(spec.status, {
    ...spec.headers,
    'content-length': body.length,
    [DECISION_HEADER]: ctx.decisionId,
  });
  ctx.res.end(ctx.req.method === 'HEAD' ? undefined : body);
}
