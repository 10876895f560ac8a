import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createSecureContext } from 'node:tls';
import type { Logger } from 'pino';
import type { LoadedConfig } from '../config/load.js';
import { LogAuditSink, type AuditSink } from '../audit/sink.js';
import { CidrSet } from '../net/cidr.js';
import { Resolver, type Endpoint } from '../net/resolve.js';
import { compilePolicy } from '../policy/compile.js';
import { HostIndex } from '../policy/host-index.js';
import type { LoadedCa } from '../tls/ca.js';
import { LeafCertCache } from '../tls/leaf-cache.js';
import { upstreamTrust } from '../tls/trust.js';
import { handleClientError } from './client-error.js';
import type { GateServices, GateState } from './gate-runtime.js';
import { handleConnect } from './handle-connect.js';
import { handleRequest } from './handle-request.js';
import { UpstreamPools } from './upstream-pools.js';
import { loadVerifyKey } from '../identity/keys.js';
import { TokenVerifier } from '../identity/token-verifier.js';
import { openRevocationStore } from '../state/index.js';
import type { RevocationStore } from '../state/revocations.js';
import type { TunnelContext } from './tunnel-context.js';

export interface GateOptions {
  loaded: LoadedConfig;
  ca: LoadedCa;
  logger: Logger;
  /** Defaults to JSON lines through `logger`. */
  audit?: AuditSink;
  /** Overrides `listen` from the config (e.g. `--listen`, or port 0 in tests). */
  listen?: { host: string; port: number };
}

interface Identity {
  verifier: TokenVerifier;
  revocations: RevocationStore;
}

/**
 * A running gate: one listener that speaks forward-proxy HTTP/1.1 and CONNECT.
 *
 * @example
 * const gate = await Gate.start({ loaded: await loadConfig('sluice.yaml'), ca, logger });
 * console.log(gate.url); // http://127.0.0.1:8877
 * await gate.close();
 */
export class Gate {
  private readonly server: Server;
  private readonly services: GateServices;
  private current: GateState;
  private readonly sockets = new Set<Socket>();
  private readonly tunnels = new Set<TunnelContext>();
  private readonly stopWatchingRevocations: () => void;

  private constructor(opts: GateOptions, state: GateState, pools: UpstreamPools, identity: Identity) {
    const c = opts.loaded.config;
    const logger = opts.logger;
    this.current = state;
    this.services = {
      logger,
      audit: opts.audit ?? new LogAuditSink(logger),
      pools,
      leaves: new LeafCertCache(opts.ca, { max: c.tls.leaf_cache_size }),
      identity,
      tunnels: this.tunnels,
      timeouts: {
        tlsHandshakeMs: c.timeouts.tls_handshake,
        upstreamConnectMs: c.timeouts.upstream_connect,
        idleMs: c.timeouts.idle,
      },
      state: () => this.current,
    };
    this.server = createServer({
      maxHeaderSize: c.limits.max_header_bytes,
      headersTimeout: c.timeouts.headers,
      // Bodies may legitimately take long (a 1 GiB upload); idle sockets are cut by `timeout`.
      requestTimeout: 0,
      keepAliveTimeout: c.timeouts.idle,
      connectionsCheckingInterval: Math.min(1000, c.timeouts.headers),
      noDelay: true,
      // Smuggling defence: never accept ambiguous framing (llhttp strict mode).
      insecureHTTPParser: false,
      requireHostHeader: false,
    });
    this.server.timeout = c.timeouts.idle;
    const services = this.services;
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
      void handleRequest(services, req, res, false);
    };
    this.server.on('request', onRequest);
    this.server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
      void handleRequest(services, req, res, true);
    });
    this.server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      handleConnect(services, this.server, req, socket, head);
    });
    this.server.on('upgrade', (_req: IncomingMessage, socket: Socket) => {
      // WebSocket inspection arrives with its own issue; until then upgrades fail closed.
      socket.end(
        'HTTP/1.1 501 Not Implemented\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n' +
          '{"error":"unsupported","reason":"protocol upgrades (WebSocket) are not proxied yet","rule":null}',
      );
    });
    this.server.on('clientError', (err: Error, socket) => handleClientError(logger, err, socket));
    this.server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    this.stopWatchingRevocations = identity.revocations.onChange(() => this.cutRevokedTunnels());
  }

  /** A revocation takes effect on open tunnels too: each one whose identity is now refused is cut. */
  private cutRevokedTunnels(): void {
    const { revocations } = this.services.identity;
    for (const t of this.tunnels) {
      if (t.principal === null) continue;
      let revoked: boolean;
      try {
        revoked = revocations.isRevoked(t.principal) !== null;
      } catch {
        revoked = true; // state unreadable: fail closed
      }
      if (revoked) {
        this.services.logger.info({ tunnel: t.id, session: t.principal.session, agent: t.principal.agent }, 'revoked: closing tunnel');
        t.clientSocket.destroy();
        this.tunnels.delete(t);
      }
    }
  }

  static async start(opts: GateOptions): Promise<Gate> {
    const c = opts.loaded.config;
    const trust = await upstreamTrust(c.tls.upstream_ca);
    const pools = new UpstreamPools({
      secureContext: createSecureContext({ ca: trust }),
      connectTimeoutMs: c.timeouts.upstream_connect,
      headersTimeoutMs: c.timeouts.upstream_response,
      bodyTimeoutMs: c.timeouts.idle,
    });
    // The resolver must know the gate's own address to refuse loops, and that is only
    // known once it listens: hand it a late-bound view.
    const self: { gate?: Gate } = {};
    const state = buildState(opts.loaded, () => self.gate?.endpoints() ?? []);
    const identity: Identity = {
      verifier: new TokenVerifier(await loadVerifyKey(c.data_dir)),
      revocations: await openRevocationStore(c.data_dir, {
        onError: (err) => opts.logger.error({ err }, 'revocation state unreadable'),
      }),
    };
    const gate = new Gate(opts, state, pools, identity);
    self.gate = gate;
    const listen = opts.listen ?? c.listen;
    await new Promise<void>((resolve, reject) => {
      gate.server.once('error', reject);
      gate.server.listen(listen.port, listen.host, () => {
        gate.server.off('error', reject);
        resolve();
      });
    });
    return gate;
  }

  /** Where the gate listens. */
  get address(): { host: string; port: number } {
    const a = this.server.address();
    if (a === null || typeof a === 'string') throw new Error('gate is not listening');
    return { host: a.address, port: a.port };
  }

  /** The proxy URL agents use. */
  get url(): string {
    const { host, port } = this.address;
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  get policyVersion(): string {
    return this.current.policy.version;
  }

  private endpoints(): readonly Endpoint[] {
    const a = this.server.address();
    return a && typeof a !== 'string' ? [{ address: a.address, port: a.port }] : [];
  }

  /** Stop listening, cut open connections and tunnels, close upstream pools. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    this.server.closeAllConnections();
    await closed;
    this.stopWatchingRevocations();
    await this.services.identity.revocations.close();
    await this.services.pools.close();
    await this.services.audit.close?.();
  }
}

function buildState(loaded: LoadedConfig, selfEndpoints: () => readonly Endpoint[]): GateState {
  const c = loaded.config;
  const passthrough = new HostIndex<true>();
  for (const p of c.tls.passthrough) passthrough.add(p, true);
  return {
    policy: compilePolicy(c.rules, loaded.version),
    resolver: new Resolver({
      hosts: new Map(Object.entries(c.dns.hosts)),
      allowPrivate: new CidrSet(c.network.allow_private),
      allowMetadata: new CidrSet(c.network.allow_private.filter((cidr) => cidr.endsWith(cidr.includes(':') ? '/128' : '/32'))),
      selfEndpoints,
      cacheTtlMs: c.dns.cache_ttl,
    }),
    passthrough: (host) => passthrough.candidates(host).length > 0,
    identityRequired: c.identity.required,
  };
}
