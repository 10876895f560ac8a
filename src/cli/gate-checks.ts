/**
 * The gate's checks for the offline tools (`sluice explain`, `sluice policy test`),
 * built from the config the way the gate builds them: the same resolver (dns.hosts,
 * allow_private, the listen address as the gate itself), and the same DLP scanner
 * with every secret the store holds when the master key is at hand.
 */
import type { LoadedConfig } from '../config/load.js';
import { SecretResolver, type SecretSource } from '../credentials/refs.js';
import { agentResolver } from '../proxy/agent-resolver.js';
import { buildDlp } from '../inspect/dlp/dlp-setup.js';
import type { GateChecks } from '../proxy/gate-verdict.js';
import { openRuntime } from '../runtime/index.js';

const EMPTY_STORE: SecretSource = { reveal: () => undefined, list: () => [] };

/**
 * @example
 * const checks = await gateChecks(loaded);
 * gateVerdict(checks, facts, who, policy);
 */
export async function gateChecks(loaded: LoadedConfig): Promise<GateChecks> {
  const c = loaded.config;
  let store: SecretSource = EMPTY_STORE;
  let close = (): Promise<void> => Promise.resolve();
  try {
    ({ secrets: store, close } = await openRuntime(loaded, { need: ['secrets'] }));
  } catch {
    // No master key here: hostname DLP still runs every pattern, without the store's values.
  }
  const secrets = new SecretResolver(store, { baseDir: loaded.dir });
  const listen = c.listen;
  // The needles are built now (buildDlp resolves every value): the store can be let go.
  const dlp = buildDlp(
    c.inspect,
    secrets,
    store.list().map((e) => e.name),
  );
  await close().catch(() => undefined);
  return {
    dlp,
    resolver: agentResolver(c, () => [{ address: listen.host, port: listen.port }]),
    routeScheme: (name) => c.routes[name]?.url.scheme,
  };
}
