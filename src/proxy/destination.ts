import type { SecureContext } from 'node:tls';
import type { Dispatcher } from 'undici';
import type { VettedAddress } from '../net/resolve.js';
import { AMBIGUITY_TEXT, normaliseRequestPath } from '../policy/request-path.js';
import { Rejection } from './errors-map.js';
import type { GateState } from './gate-runtime.js';
import type { RouteRuntime } from '../net/routes.js';
import type { RequestContext } from './request-context.js';

/** Where an allowed request goes, before any connection is made. */
export interface Destination {
  scheme: 'http' | 'https';
  /** The vetted address: dial exactly this, never the name again. */
  address: string;
  family: 4 | 6;
  port: number;
  /** TLS name to present upstream (SNI and certificate check); null for IP literals. */
  servername: string | null;
  hostHeader: string;
  pathPrefix: string;
  /** A named private route's own TLS settings (its CA, a client certificate). */
  route?: { name: string; secureContext: SecureContext } | undefined;
  /** The keep-alive pool that reaches exactly this address (set by the route step for requests the gate forwards). */
  pool: Dispatcher | null;
}

/**
 * The vetted address of the host the request names, or of the rule's named private
 * route (its base path a boundary the request's path may not climb out of). At once
 * when no DNS lookup is needed (an IP literal, a `hosts:` entry, a cached answer): a
 * promise only for a lookup, so most requests take no turn of the event loop here.
 *
 * @example
 * const d = await resolveDestination(state, x, x.decision.route); // d.address: dial exactly this
 */
export function resolveDestination(state: GateState, ctx: RequestContext, routeName: string | null): Destination | Promise<Destination> {
  if (routeName === null) {
    const host = ctx.host!;
    const known = state.resolver.resolveKnown(host, ctx.port);
    return known !== null ? hostDestination(ctx, known) : state.resolver.resolve(host, ctx.port).then((v) => hostDestination(ctx, v));
  }
  const route = state.routes.get(routeName);
  if (!route) throw new Rejection('upstream_failed', `route '${routeName}' is not defined`, ctx.decision?.rule ?? null);
  ctx.route = route.name;
  assertWithinBase(ctx, route.name, route.basePath);
  // A route is the operator's explicit opt-in to a private address, for this rule only.
  const known = state.routeResolver.resolveKnown(route.host, route.port);
  return known !== null
    ? routeDestination(ctx, route, known)
    : state.routeResolver.resolve(route.host, route.port).then((v) => routeDestination(ctx, route, v));
}

function hostDestination(ctx: RequestContext, vetted: VettedAddress): Destination {
  const host = ctx.host!;
  ctx.address = vetted.address;
  // A literal of one shape for both branches (no spread): the exchange holds it, and every step reads it.
  return destination(ctx.scheme, vetted, ctx.port, host.kind === 'name' ? host.name : null, hostHeader(ctx), '', undefined);
}

function routeDestination(ctx: RequestContext, route: RouteRuntime, vetted: VettedAddress): Destination {
  ctx.address = vetted.address;
  return destination(route.scheme, vetted, route.port, route.servername, route.hostHeader, route.basePath, {
    name: route.name,
    secureContext: route.secureContext,
  });
}

function destination(
  scheme: Destination['scheme'],
  vetted: { address: string; family: 4 | 6 },
  port: number,
  servername: string | null,
  host: string,
  pathPrefix: string,
  route: Destination['route'],
): Destination {
  return { scheme, address: vetted.address, family: vetted.family, port, servername, hostHeader: host, pathPrefix, route, pool: null };
}

/**
 * A route's base path is a boundary: the upstream reads `base + path`, so a path it
 * could normalise upwards (`/../x`, `/%2e%2e/x`, `/..%2fx`, `/..;/x`, ...) might name a
 * file outside the base. Every ambiguous path is refused there, before anything is dialled.
 */
function assertWithinBase(ctx: RequestContext, route: string, basePath: string): void {
  if (basePath === '') return;
  const p = normaliseRequestPath(ctx.target);
  if (p.ambiguity === null) return;
  throw new Rejection(
    'path_outside_route',
    `the path has ${AMBIGUITY_TEXT[p.ambiguity]}: the upstream could read it outside route '${route}' base path ${basePath}`,
    ctx.decision?.rule ?? null,
  );
}

function hostHeader(ctx: RequestContext): string {
  const def = ctx.scheme === 'https' ? 443 : 80;
  const h = ctx.host?.kind === 'ip' && ctx.host.ip.family === 6 ? `[${ctx.hostText}]` : ctx.hostText;
  return ctx.port === def ? h : `${h}:${ctx.port}`;
}
