import type { ChannelInfo } from '../../mcp/types.js';
import type { GateState } from '../gate-runtime.js';
import type { RequestContext } from '../request-context.js';

/**
 * The fixed facts of an MCP conversation carried over HTTP: who, which server (for
 * policy and pins), and the audit fields its tool-call records share with the
 * exchange.
 *
 * @example
 * gate.mcp.channels.get(key, () => channelInfo(state, ctx));
 */
export function channelInfo(state: GateState, ctx: RequestContext): ChannelInfo {
  const q = ctx.target.indexOf('?');
  const path = q === -1 ? ctx.target : ctx.target.slice(0, q);
  const server = state.mcp.policy.serverFor(ctx.hostText, path);
  return {
    who: ctx.principal,
    server,
    serverKey: server.name ?? server.host,
    audit: {
      transport: ctx.transport,
      scheme: ctx.scheme,
      host: ctx.auditHost ?? ctx.hostText,
      port: ctx.port,
      path: ctx.auditPath ?? path,
      address: ctx.address,
      credential: ctx.decision?.credential?.secret ?? null,
      route: ctx.decision?.route ?? null,
    },
    profile: ctx.decision?.inspect ?? null,
  };
}
