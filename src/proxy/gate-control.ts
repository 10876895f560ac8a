import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { ControlServer } from '../control/control-server.js';
import { loadSigningKey } from '../identity/keys.js';
import type { RunAliases } from '../identity/run-aliases.js';
import { scanToolCallArgs } from '../inspect/mcp/tool-inspect.js';
import type { GateServices, GateState } from './gate-runtime.js';

/** What the control socket needs of a running gate (gate.ts hands it over once started). */
export interface ControlHost {
  config(): Config;
  /** The config load serving now (read per control request). */
  current(): GateState;
  readonly services: GateServices;
  readonly aliases: RunAliases;
  address(): { host: string; port: number };
}

/**
 * Start the control socket (control/): mints and renews tokens for `sluice run`,
 * answers `sluice status`. Null when it could not be started (logged).
 *
 * @example
 * gate.control = await startControl(host, logger);
 */
export async function startControl(host: ControlHost, log: Logger): Promise<ControlServer | null> {
  const c = host.config();
  const services = host.services;
  // The gate mints with the same key `sluice token` uses; a gate without it still proxies, but cannot mint.
  const signingKey = await loadSigningKey(c.data_dir).catch((err: unknown) => {
    log.warn({ err }, "no token signing key: the control socket cannot mint tokens for 'sluice run'");
    return null;
  });
  return ControlServer.start({
    path: c.control.socket,
    logger: log,
    ctx: {
      gateUid: process.getuid?.() ?? -1,
      grants: () => host.config().control.mint,
      signingKey,
      verifier: services.identity.verifier,
      revocations: services.identity.revocations,
      aliases: host.aliases,
      carryOver: (from, to) => services.exchanges.carryOver(from, to),
      policyVersion: () => host.current().policy.version,
      proxy: () => {
        const { host: h, port } = host.address();
        return { host: h === '0.0.0.0' ? '127.0.0.1' : h === '::' ? '::1' : h, port };
      },
      caCert: await readFile(c.tls.ca_cert, 'utf8'),
      scanArgs: (payload) => scanToolCallArgs(payload, host.current().dlp.scanner),
      exchanges: () => ({ exchanges: services.exchanges.size, ...services.exchanges.summary() }),
      sessionEnded: (p) => services.broker?.revoked([{ kind: 'session', value: p.session, tenant: p.tenant }]),
    },
  });
}
