/**
 * The network edge: host and IP parsing, address classes (SSRF), and the resolver
 * that resolves once, classifies every address and hands back the vetted one.
 *
 * @example
 * import { normalizeHost, parseIp, Resolver } from './net/index.js';
 * normalizeHost('API.Example.COM.'); // { kind: 'name', name: 'api.example.com' }
 */
export { normalizeHost, isLoopbackName } from './host.js';
export type { Host } from './host.js';
export { canonicalIp, canonicalIpText, formatIp, ipEquals, parseIp, unmapIp } from './ip.js';
export type { Ip } from './ip.js';
export { CidrSet, cidrContains, parseCidr } from './cidr.js';
export type { Cidr } from './cidr.js';
export { urlHint } from './url-hint.js';
export { Resolver } from './resolve.js';
export type { Endpoint, ResolverOptions, VettedAddress } from './resolve.js';
export { buildRoutes } from './routes.js';
export type { RouteRuntime } from './routes.js';
export { UpstreamPools } from './upstream-pools.js';
export type { UpstreamPoolOptions } from './upstream-pools.js';
export { dial } from './dial.js';
