import type { Socket } from 'node:net';
import type { Principal } from '../identity/principal.js';
import type { Host } from '../net/host.js';

/** What a CONNECT established: the authority every request inside it must address. */
export interface TunnelContext {
  readonly id: string;
  readonly host: Host;
  readonly hostText: string;
  /**
   * The name the agent's TLS client checks the leaf certificate against: `hostText`,
   * except for an IPv4-mapped or -compatible literal, which the agent checks as the
   * IPv6 address it wrote while the gate decides on the IPv4 address it reaches.
   */
  readonly leafName?: string;
  readonly port: number;
  /** The agent's raw TCP socket, so the tunnel can be cut (revocation, shutdown). */
  readonly clientSocket: Socket;
  /** Who opened the tunnel (null only when identity is not required). */
  readonly principal: Principal | null;
  /**
   * The `sluice run` alias the CONNECT presented, if it was one: requests inside then
   * take the run's current (renewed) token, not the one the tunnel was opened with.
   */
  readonly alias?: string;
}

// Requests inside an intercepted tunnel arrive on the TLS socket; this finds their CONNECT.
const tunnels = new WeakMap<object, TunnelContext>();

export function bindTunnel(socket: object, ctx: TunnelContext): void {
  tunnels.set(socket, ctx);
}

export function tunnelOf(socket: object): TunnelContext | undefined {
  return tunnels.get(socket);
}
