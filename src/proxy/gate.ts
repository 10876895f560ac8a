import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createSecureContext } from 'node:tls';
import type { Logger } from 'pino';
import type { AuditSink } from '../audit/sink.js';
import { isHealthReporter } from '../audit/health.js';
import type { LoadedConfig } from '../config/load.js';
import { restartOnlyChanges } from '../config/restart-keys.js';
import { SecretResolver } from '../credentials/refs.js';
import { RunAliases } from '../identity/run-aliases.js';
import type { ControlServer } from '../control/control-server.js';
import { startControl } from './gate-control.js';
import { policyHistory, startAdmin } from './gate-admin.js';
import type { AdminServer } from '../admin/server.js';
import type { PolicyHistory } from '../admin/policy-history.js';
import { gateStops, type GateStops } from './gate-stops.js';
import { gateBudgets, type GateBudgets } from './gate-budgets.js';
import { startBroker, type GateBroker } from './gate-broker.js';
import { gateApprovals } from './gate-approvals.js';
import { join } from 'node:path';
import { SqliteForensicsStore } from '../state/forensics.js';
import type { Endpoint } from '../net/resolve.js';
import { CLOCK_TOLERANCE_SEC, openRuntime, type Runtime, type SecretStore } from '../runtime/index.js';
import { McpGuard } from '../mcp/guard.js';
import { McpChannels } from './mcp/channels.js';
import type { LoadedCa } from '../tls/ca.js';
import { LeafCertCache } from '../tls/leaf-cache.js';
import { upstreamTrust } from '../tls/trust.js';
import { handleClientError } from './client-error.js';
import type { GateServices, GateState } from './gate-runtime.js';
import { buildState } from './gate-state.js';
import { gateGovernance, type GateGovernance } from './gate-governance.js';
import { TenantNeedles } from './tenant-needles.js';
import { buildDlp } from '../inspect/dlp/dlp-setup.js';
import { handleConnect } from './handle-connect.js';
import { countChunks, watchChunkFraming } from './chunk-tripwire.js';
import { handleRequest } from './handle-request.js';
import { LiveExchanges } from './live-exchanges.js';
import { drain } from './drain.js';
import { GateLimits } from './limits.js';
import { RateLimitedLog } from './rate-limited-log.js';
import { refuseConnection, refuseRequest } from './overload.js';
import { tunnelOf } from './tunnel-context.js';
import { UpstreamPools } from '../net/upstream-pools.js';
import { UpgradeHandler } from './websocket/handle-upgrade.js';
import { observeRecord, renderMetrics, withProcessMetrics } from '../observe/metrics.js';
import { observeApprovals, watchGate } from '../observe/metric-sources.js';
import { sessionSlo } from '../observe/slo.js';
import { budgetUse } from '../observe/budget-use.js';
import { openTracing, type Tracing } from '../observe/tracing.js';
import { pendingOf } from '../audit/sink.js';

/** Clock skew allowed on token expiry, here and inside tunnels (identify.ts); the runtime's verifier uses it. */
export { CLOCK_TOLERANCE_SEC };

/** What the gate takes from the runtime (runtime/); without `stops` the gate opens its own (gate-stops.ts). */
export type GateRuntime = Runtime<'secrets' | 'verifier' | 'revocations' | 'pins' | 'auditWriter'> &
  Partial<Pick<Runtime<'stops'>, 'stops'>> &
  Partial<Pick<Runtime<'budgets'>, 'budgets'>> &
  Partial<Pick<Runtime<'rateBuckets' | 'blastRadius'>, 'rateBuckets' | 'blastRadius'>>;

export interface GateOptions {
  loaded: LoadedConfig;
  ca: LoadedCa;
  logger: Logger;
  /** Replaces the sinks the config asks for (tests, embedders). */
  audit?: AuditSink;
  /** Overrides `listen` from the config (e.g. `--listen`, or port 0 in tests). */
  listen?: { host: string; port: number };
  /**
   * Services opened by the caller (an embedder sharing them with its admin server);
   * the caller closes it after the gate. Without it the gate opens its own and closes
   * it on close. The caller's runtime has its own revocation `onError`: the gate does
   * not end open exchanges on an unreadable store through it.
   */
  runtime?: GateRuntime;
  /** The run aliases the control socket binds (default: this gate's own); workers share theirs (runtime/worker-aliases.ts). */
  aliases?: RunAliases;
  /**
   * Whether this gate opens the listeners a host runs once: the control socket and the
   * admin API (default true). A worker other than the first says false (cli/start-workers.ts).
   */
  singletons?: boolean;
}

/** What `reload` did: swapped in a new version, or kept the old one and why. */
export type ReloadResult =
  | { ok: true; version: string; changed: boolean; /** Changed keys that stay as they were until a restart (restart-keys.ts). */ restartNeeded: string[] }
  | { ok: false; error: Error; version: string };

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
  private loaded: LoadedConfig;
  /** The config the gate started with: what restart-only keys still hold. */
  private readonly started: LoadedConfig['config'];
  private readonly sockets = new Set<Socket>();
  private readonly stopWatchingRevocations: () => void;
  private readonly stopWatchingSecrets: () => void;
  private readonly stops: GateStops;
  private readonly budgets: GateBudgets;
  private readonly governance: GateGovernance;
  private readonly approvals: Awaited<ReturnType<typeof gateApprovals>>;
  private readonly forensics: SqliteForensicsStore;
  private readonly trust: readonly string[];
  private readonly store: SecretStore;
  /** The runtime the gate opened itself (closed with it); null when the caller's. */
  private readonly ownRuntime: GateRuntime | null;
  private readonly limits: GateLimits;
  private readonly aliases: RunAliases;
  private control: ControlServer | null = null;
  /** The admin API (`admin.listen`), or null without one. */
  private admin: AdminServer | null = null;
  private readonly history: PolicyHistory;
  private readonly broker: GateBroker;
  /** OpenTelemetry traces (`telemetry.otlp`), or null: off. */
  private readonly tracing: Tracing | null;
  /** Unregister this gate from the metrics' gauges and approval waits (observe/). */
  private readonly unwatch: Array<() => void> = [];

  private constructor(
    opts: GateOptions,
    state: GateState,
    init: {
      pools: UpstreamPools;
      trust: readonly string[];
      runtime: GateRuntime;
      ownRuntime: boolean;
      secrets: SecretResolver;
      stops: GateStops;
      budgets: GateBudgets;
      governance: GateGovernance;
      broker: GateBroker;
      approvals: Awaited<ReturnType<typeof gateApprovals>>;
      forensics: SqliteForensicsStore;
    },
  ) {
    const c = opts.loaded.config;
    const logger = opts.logger;
    this.current = state;
    this.aliases = opts.aliases ?? new RunAliases();
    this.loaded = opts.loaded;
    this.started = opts.loaded.config;
    this.trust = init.trust;
    this.store = init.runtime.secrets;
    this.ownRuntime = init.ownRuntime ? init.runtime : null;
    this.stops = init.stops;
    this.budgets = init.budgets;
    this.governance = init.governance;
    this.broker = init.broker;
    this.approvals = init.approvals;
    this.forensics = init.forensics;
    this.history = policyHistory(opts.loaded);
    const audit = init.runtime.audit.writer;
    const tracing = (this.tracing = openTracing(c.telemetry));
    const { verifier, revocations, pins } = init.runtime;
    const limits = new GateLimits(c.limits, logger);
    this.limits = limits;
    // One bucket table for requests and tool calls (their keys never meet: each names its rule).
    const { rates, blast } = init.governance;
    const guard = new McpGuard({
      env: () => this.current.mcp,
      pins,
      rates,
      budgets: init.budgets.store,
      approvals: init.approvals.store,
      blast,
      audit: (r) => {
        audit.write(r);
        observeRecord(r);
        tracing?.message(r);
      },
      onError: (err, what) => logger.error({ err }, `MCP guard: ${what} failed`),
    });
    this.services = {
      logger,
      audit,
      pools: init.pools,
      leaves: new LeafCertCache(opts.ca, { max: c.tls.leaf_cache_size }),
      identity: { verifier, revocations, aliases: this.aliases },
      stops: init.stops.store,
      budgets: init.budgets.store,
      approvals: init.approvals.store,
      forensics: { store: init.forensics, dir: join(c.data_dir, 'forensics') },
      blast,
      exchanges: new LiveExchanges({
        revocations,
        kills: init.stops.store,
        toleranceMs: CLOCK_TOLERANCE_SEC * 1000,
        onEnd: (p, why, count) =>
          logger.info(
            { session: p.session, agent: p.agent, tenant: p.tenant, reason: why.reason, exchanges: count },
            'identity ended: closing its open exchanges',
          ),
      }),
      secrets: init.secrets,
      broker: init.broker.broker,
      auditHealthy: () => !isHealthReporter(audit) || audit.healthy,
      timeouts: {
        tlsHandshakeMs: c.timeouts.tls_handshake,
        upstreamConnectMs: c.timeouts.upstream_connect,
        idleMs: c.timeouts.idle,
      },
      state: () => this.current,
      rates,
      limits,
      mcp: { guard, channels: new McpChannels(guard), pins },
      tracing,
    };
    withProcessMetrics();
    const services = this.services;
    const budgetStore = init.budgets.store;
    this.unwatch.push(
      watchGate({
        exchanges: () => ({ open: services.exchanges.size, tunnels: services.exchanges.summary().tunnels }),
        approvalsPending: () => init.approvals.store.list().length,
        auditBacklog: () => pendingOf(audit),
        budgetUse: () => (budgetStore === undefined ? Promise.resolve(new Map<string, number>()) : budgetUse(this.current.budgets, budgetStore)),
      }),
      observeApprovals(init.approvals.store),
      // Containment time: a revoked session's first finding to its revocation (observe/slo.ts).
      revocations.onChange((added) => sessionSlo.revoked(added)),
    );
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
    // Limits first (limits.ts): a request over one is answered 503 before anything is done for it.
    const admitted = (req: IncomingMessage, res: ServerResponse): boolean => {
      const why = limits.beforeRequest(req, res);
      if (why === null) return true;
      if (why !== false) refuseRequest(services, req, res, why);
      return false;
    };
    this.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      countChunks(req);
      if (admitted(req, res)) void handleRequest(services, req, res, false);
    });
    this.server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
      countChunks(req);
      if (admitted(req, res)) void handleRequest(services, req, res, true);
    });
    this.server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      limits.hijacked(socket);
      handleConnect(services, this.server, req, socket, head);
    });
    // WebSocket (plain, and `wss` inside intercepted tunnels): decided like any request, then relayed frame by frame.
    const upgrades = new UpgradeHandler(services, init.trust);
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
      const refused = limits.beforeUpgrade();
      if (refused !== null) return refuseConnection(services, socket, refused);
      limits.hijacked(socket);
      upgrades.handle(req, socket, head);
    });
    this.server.on('clientError', (err: Error, socket) => handleClientError(logger, err, socket));
    this.server.on('connection', (socket: Socket) => {
      watchChunkFraming(socket);
      const refused = limits.onConnection(socket, tunnelOf(socket)?.clientSocket ?? null);
      if (refused !== null) return refuseConnection(services, socket, refused);
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    // After listen, a server error (EMFILE/ENFILE on accept: out of file descriptors) is
    // logged, not thrown: the gate keeps serving the connections it has.
    const acceptErrors = new RateLimitedLog(logger);
    this.server.on('error', (err: NodeJS.ErrnoException) => acceptErrors.warn(`accept failed (${err.code ?? 'error'})`, err.message));
    // Runs inside the store's load, before it acknowledges the revocation to `sluice revoke`.
    this.stopWatchingRevocations = revocations.onChange(() => this.services.exchanges.sweep());
    // The shared backend's secret store announces other replicas' changes (secrets.json's are seen by the config watch).
    const shared = this.store as SecretStore & { onChange?: (l: () => void) => () => void };
    this.stopWatchingSecrets =
      shared.onChange?.(() => void this.reloadSecrets().catch((err: unknown) => this.services.logger.error({ err }, 'secret store reload failed'))) ??
      (() => undefined);
  }

  static async start(opts: GateOptions): Promise<Gate> {
    const c = opts.loaded.config;
    const trust = await upstreamTrust(c.tls.upstream_ca);
    const pools = new UpstreamPools({
      secureContext: createSecureContext({ ca: [...trust] }),
      connectTimeoutMs: c.timeouts.upstream_connect,
      headersTimeoutMs: c.timeouts.upstream_response,
      bodyTimeoutMs: c.timeouts.idle,
    });
    // The resolver must know the gate's own address to refuse loops, and that is only
    // known once it listens: hand it a late-bound view.
    const self: { gate?: Gate } = {};
    const selfEndpoints = (): readonly Endpoint[] => self.gate?.endpoints() ?? [];
    const runtime =
      opts.runtime ??
      (await openRuntime(opts.loaded, {
        need: ['secrets', 'verifier', 'revocations', 'pins', 'auditWriter'],
        logger: opts.logger,
        secrets: { watch: true },
        revocations: {
          participant: 'gate',
          onError: (err) => {
            opts.logger.error({ err }, 'revocation state unreadable');
            // Once the state has been unreadable past its bound, open exchanges end too
            // (fail closed), as new requests are refused.
            self.gate?.services.exchanges.sweep();
          },
        },
        ...(opts.audit ? { audit: { sinks: opts.audit } } : {}),
      }));
    let stops: GateStops | null = null;
    let budgets: GateBudgets | null = null;
    let governance: GateGovernance | null = null;
    let broker: GateBroker | null = null;
    let approvals: Awaited<ReturnType<typeof gateApprovals>> | null = null;
    let forensics: SqliteForensicsStore | null = null;
    try {
      stops = await gateStops(opts.loaded, opts.runtime?.stops, opts.logger, () => self.gate?.services.exchanges.sweep());
      budgets = await gateBudgets(opts.loaded, opts.runtime?.budgets, opts.logger);
      governance = await gateGovernance(opts.loaded, opts.runtime, opts.logger);
      approvals = await gateApprovals(opts.loaded, undefined, opts.logger);
      forensics = SqliteForensicsStore.open(c.data_dir, { onError: (err) => opts.logger.error({ err }, 'forensics state unreadable') });
      const store = runtime.secrets;
      const secrets = new SecretResolver(store, { baseDir: opts.loaded.dir });
      const state = await buildState(opts.loaded, selfEndpoints, trust, { resolver: secrets, names: () => store.list().map((e) => e.name) });
      broker = await startBroker(c, () => self.gate?.current ?? state, pools, runtime.revocations, opts.logger);
      const gate = new Gate(opts, state, {
        pools,
        trust,
        runtime,
        ownRuntime: opts.runtime === undefined,
        secrets,
        stops,
        budgets,
        governance,
        broker,
        approvals,
        forensics,
      });
      self.gate = gate;
      const listen = opts.listen ?? c.listen;
      await new Promise<void>((resolve, reject) => {
        gate.server.once('error', reject);
        gate.server.listen(listen.port, listen.host, () => {
          gate.server.off('error', reject);
          resolve();
        });
      });
      if (opts.singletons === false) return gate;
      gate.control = await startControl(
        {
          config: () => gate.loaded.config,
          current: () => gate.current,
          services: gate.services,
          aliases: gate.aliases,
          address: () => gate.address,
        },
        gate.services.logger,
      );
      gate.admin = await startAdmin(
        { config: () => gate.loaded.config, current: () => gate.current, services: gate.services, pins: runtime.pins, history: gate.history },
        gate.services.logger,
        gate.loaded.config.admin.metrics ? { metrics: renderMetrics } : {},
      ).catch(async (err: unknown) => {
        // The stores are closed below; here only what the started gate holds besides them.
        await gate.control?.close().catch(() => undefined);
        gate.stopWatchingRevocations();
        gate.limits.close();
        await new Promise<void>((resolve) => gate.server.close(() => resolve()));
        throw err;
      });
      return gate;
    } catch (err) {
      // A gate that does not start leaves no store open (a test or embedder retrying on another port).
      // Nor a registration with the metrics, or an exporter.
      if (self.gate) {
        for (const f of self.gate.unwatch) f();
        await self.gate.tracing?.close(0).catch(() => undefined);
      }
      await stops?.close().catch(() => undefined);
      await budgets?.close().catch(() => undefined);
      await governance?.close().catch(() => undefined);
      await broker?.close().catch(() => undefined);
      await approvals?.close().catch(() => undefined);
      await forensics?.close().catch(() => undefined);
      if (opts.runtime === undefined) await runtime.close().catch(() => undefined);
      await pools.close().catch(() => undefined);
      throw err;
    }
  }

  /** Where the JWKS listener (`broker.jwks_listen`) listens, or null without one. */
  get jwksAddress(): { host: string; port: number } | null {
    return this.broker.jwks;
  }

  /** Where the admin API listens (`admin.listen`), or null without one. */
  get adminAddress(): { host: string; port: number } | null {
    return this.admin?.address ?? null;
  }

  /** Where the control socket listens, or null when it could not be started (logged). */
  get controlSocket(): string | null {
    return this.control?.path ?? null;
  }

  /**
   * Swap in a new config (policy, routes, DNS map, opt-ins) for new requests, atomically.
   * A config that does not build is rejected and the old one keeps serving. Listener,
   * timeouts and CA need a restart; a change to them is logged.
   */
  async reload(loaded: LoadedConfig): Promise<ReloadResult> {
    const log = this.services.logger;
    if (loaded.version === this.loaded.version) return { ok: true, version: loaded.version, changed: false, restartNeeded: [] };
    try {
      await this.store.reload();
      const state = await buildState(loaded, () => this.endpoints(), this.trust, this.secretSources());
      const before = this.loaded.config;
      const after = loaded.config;
      // Restart-only keys are compared with what the gate started with, not the last
      // reload: a key changed and changed back needs no restart.
      const restartNeeded = restartOnlyChanges(this.started, after);
      for (const key of restartNeeded) log.warn({ key }, `config '${key}' changed: takes effect after a restart`);
      if (before.log.level !== after.log.level) log.level = after.log.level;
      this.services.identity.verifier.maxTtlMs = after.identity.max_ttl;
      this.current = state;
      this.loaded = loaded;
      this.history.max = after.admin.policy_history;
      this.history.loaded(loaded);
      // control.mint is read per request; only the socket's mode follows it here.
      await this.control?.applyGrants().catch((err: unknown) => log.warn({ err }, 'control socket mode not updated'));
      log.info({ policy_version: loaded.version, rules: after.rules.length }, 'policy reloaded');
      return { ok: true, version: loaded.version, changed: true, restartNeeded };
    } catch (error) {
      log.error({ err: error, policy_version: this.loaded.version }, 'policy reload rejected; the previous policy keeps serving');
      return { ok: false, error: error as Error, version: this.loaded.version };
    }
  }

  /** Re-read the secret store (after `sluice secret set` while running): new values are injectable and matched by DLP. */
  async reloadSecrets(): Promise<void> {
    await this.store.reload();
    const c = this.loaded.config;
    const dlp = buildDlp(
      c.inspect,
      this.services.secrets,
      this.store.list().map((e) => e.name),
    );
    const scrub = new TenantNeedles(this.current.policy, this.services.secrets);
    this.current = { ...this.current, dlp, mcp: { ...this.current.mcp, dlp }, scrub };
  }

  private secretSources(): { resolver: SecretResolver; names: () => readonly string[] } {
    return { resolver: this.services.secrets, names: () => this.store.list().map((e) => e.name) };
  }

  /** Where the gate listens. */
  get address(): { host: string; port: number } {
    const a = this.server.address();
    if (a === null || typeof a === 'string') throw new Error('gate is not listening');
    return { host: a.address, port: a.port };
  }

  /** The proxy URL agents use (without a token). */
  get url(): string {
    const { host, port } = this.address;
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  /** Rate-limit buckets held in this process's memory (bounded by `rate_limits.max_buckets`). */
  get rateBuckets(): number {
    return this.services.rates.size;
  }

  /** Exchanges in flight under an identity (requests, WebSockets, tunnels). */
  get liveExchanges(): number {
    return this.services.exchanges.size;
  }

  get policyVersion(): string {
    return this.current.policy.version;
  }

  // Read once the listener is bound: the self-loop check runs on every request, and
  // server.address() asks the OS each time (1.4% of a busy gate's time in a profile).
  private listening: readonly Endpoint[] | null = null;

  private endpoints(): readonly Endpoint[] {
    if (this.listening) return this.listening;
    const a = this.server.address();
    if (!a || typeof a === 'string') return [];
    this.listening = [{ address: a.address, port: a.port }];
    return this.listening;
  }

  /**
   * Stop listening; let exchanges in flight finish for up to `drainMs` (0: cut them
   * now), then cut what is left; write every record, flush the audit trail, close pools.
   */
  async close(opts: { drainMs?: number } = {}): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const drainMs = opts.drainMs ?? 0;
    if (drainMs > 0)
      this.services.logger.info(
        { in_flight: this.limits.busy, drain_timeout_ms: drainMs },
        'draining: no new connections or requests; waiting for exchanges in flight',
      );
    const result = await drain(this.limits, drainMs);
    if (drainMs > 0)
      this.services.logger.info(
        { drain_ms: result.ms, in_flight: result.inFlight, ended_at_timeout: result.ended },
        result.ended === 0 ? 'drained' : 'drain timed out: the rest were ended (recorded as shutting_down)',
      );
    for (const s of this.sockets) s.destroy();
    for (const s of this.limits.sockets()) s.destroy();
    this.server.closeAllConnections();
    await closed;
    // A destroyed socket's 'close' (and so its request's audit record) comes a turn later.
    for (let i = 0; i < 200 && this.limits.busy > 0; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setImmediate(r));
    this.limits.close();
    // After the drain: a run renewing meanwhile keeps its alias until the last exchange is done.
    await this.control?.close();
    await this.admin?.close();
    this.stopWatchingRevocations();
    this.stopWatchingSecrets();
    await this.broker.close();
    this.services.mcp.channels.closeAll();
    await Promise.all([
      this.services.pools.close(),
      this.stops.close(),
      this.budgets.close(),
      this.governance.close(),
      this.approvals.close(),
      this.forensics.close(),
    ]);
    // Revocations, pins, then the audit trail (flushed last: closing the rest may still write records).
    await this.ownRuntime?.close();
    for (const f of this.unwatch) f();
    // Last: the spans of the exchanges just recorded are exported before the gate is gone.
    await this.tracing?.close().catch((err: unknown) => this.services.logger.warn({ err }, 'trace export at close failed'));
  }
}
