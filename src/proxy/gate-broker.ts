/**
 * The gate's credential broker (credentials/broker/): its way out to token endpoints
 * (token-transport.ts, the gate's own vetted dial), its tie to the revocation store
 * (a revoked workflow's tokens are forgotten, and revoked upstream where the server
 * can), and the JWKS listener (`broker.jwks_listen`) internal services verify
 * Sluice-minted JWTs against.
 *
 * @example
 * const b = await startBroker(config, () => gate.state(), pools, revocations, logger);
 * services.broker = b.broker;
 * await b.close();
 */
import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { CredentialBroker } from '../credentials/broker/broker.js';
import type { UpstreamPools } from '../net/upstream-pools.js';
import type { RevocationStore } from '../state/revocations.js';
import type { GateState } from './gate-runtime.js';
import { tokenTransport } from './token-transport.js';

export const JWKS_PATH = '/.well-known/jwks.json';

export interface GateBroker {
  readonly broker: CredentialBroker;
  /** Where the JWKS listener listens, or null without `broker.jwks_listen`. */
  readonly jwks: { host: string; port: number } | null;
  close(): Promise<void>;
}

export async function startBroker(c: Config, state: () => GateState, pools: UpstreamPools, revocations: RevocationStore, log: Logger): Promise<GateBroker> {
  const b = c.broker;
  const broker = new CredentialBroker({
    dataDir: c.data_dir,
    transport: tokenTransport(state, pools, b.token_timeout),
    skewMs: b.token_skew,
    maxTokens: b.token_cache_size,
    issuer: b.issuer,
    onRevoke: (credential, ok, err) =>
      ok
        ? log.info({ credential }, 'workflow revoked: its exchanged token was revoked at the authorization server')
        : log.warn({ credential, err }, 'workflow revoked: the authorization server did not confirm revoking its exchanged token'),
  });
  // Runs inside the store's load, like the gate's sweep: forgetting is synchronous, the upstream revocations are not awaited.
  const unwatch = revocations.onChange((added) => broker.revoked(added));
  let server: Server | null = null;
  let jwks: GateBroker['jwks'] = null;
  if (b.jwks_listen !== undefined) {
    server = jwksServer(broker, log);
    const s = server;
    const at = b.jwks_listen;
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(at.port, at.host, () => {
        s.off('error', reject);
        resolve();
      });
    }).catch((err: unknown) => {
      unwatch();
      throw err;
    });
    const a = s.address();
    if (a !== null && typeof a !== 'string') jwks = { host: a.address, port: a.port };
  }
  return {
    broker,
    jwks,
    async close() {
      unwatch();
      if (server) {
        const s = server;
        await new Promise<void>((resolve) => s.close(() => resolve()));
        s.closeAllConnections();
      }
    },
  };
}

/** GET (or HEAD) /.well-known/jwks.json: the public keys, and nothing else. */
function jwksServer(broker: CredentialBroker, log: Logger): Server {
  return createServer({ requireHostHeader: false }, (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== JWKS_PATH || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
      return;
    }
    broker.jwks().then(
      (doc) => {
        const body = JSON.stringify(doc);
        // Verifiers may cache the set briefly; a rotated key is picked up on their next unknown `kid`.
        res.writeHead(200, { 'content-type': 'application/jwk-set+json', 'cache-control': 'max-age=300', 'content-length': Buffer.byteLength(body) });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => {
        log.error({ err }, 'JWKS: the broker signing key cannot be loaded');
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"key_unavailable"}');
      },
    );
  });
}
