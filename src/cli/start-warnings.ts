/**
 * What `sluice policy check`, `sluice start` and a reload warn about before any
 * request is made: what would otherwise surface only as a client's 502 or never
 * (a proxy open to the network).
 */
import { isIP } from 'node:net';
import type { LoadedConfig } from '../config/load.js';
import { parseSecretRef, SecretResolver, type SecretSource } from '../credentials/refs.js';
import { openRuntime } from '../runtime/index.js';
import { credentialWarnings } from './policy.js';

/**
 * Every warning for this config, listening where `listen` says (an override of the config's).
 *
 * @example
 * for (const w of await startWarnings(loaded)) process.stderr.write(`sluice: warning: ${w}\n`);
 */
export async function startWarnings(loaded: LoadedConfig, listen = loaded.config.listen): Promise<string[]> {
  return [...openProxyWarnings(loaded, listen.host), ...credentialWarnings(loaded), ...(await missingSecretWarnings(loaded))];
}

/**
 * A rule's secret that has no value now: the first request it matches would get 502
 * `credential_unavailable`. A warning, not an error: the operator may set it next
 * (`sluice secret set`, the gate re-reads the store), and `env:` is the gate's own
 * environment, which `policy check` may not share.
 */
export async function missingSecretWarnings(loaded: LoadedConfig): Promise<string[]> {
  let store: SecretSource | null = null;
  let close = (): Promise<void> => Promise.resolve();
  try {
    ({ secrets: store, close } = await openRuntime(loaded, { need: ['secrets'] }));
  } catch {
    // No store readable here: store names cannot be checked, env: and file: still are.
  }
  try {
    return secretWarningsOf(loaded, store);
  } finally {
    // The shared backend's store holds connections; the file store nothing.
    await close().catch(() => undefined);
  }
}

function secretWarningsOf(loaded: LoadedConfig, store: SecretSource | null): string[] {
  const resolver = new SecretResolver(store ?? { reveal: () => undefined, list: () => [] }, { baseDir: loaded.dir });
  const names = new Set(store?.list().map((e) => e.name) ?? []);
  const out: string[] = [];
  const seen = new Set<string>();
  for (const r of loaded.config.rules) {
    const ref = r.credential?.secret;
    if (ref === undefined || seen.has(ref)) continue;
    seen.add(ref);
    const why = absent(ref, store !== null, names, resolver);
    if (why !== null) out.push(`rule ${r.id}: secret ${ref} ${why}; its requests will get 502 credential_unavailable`);
  }
  return out;
}

function absent(ref: string, haveStore: boolean, names: ReadonlySet<string>, resolver: SecretResolver): string | null {
  let parsed;
  try {
    parsed = parseSecretRef(ref);
  } catch {
    return null; // the schema already refused it
  }
  if (parsed.kind === 'store') {
    if (!haveStore || names.has(parsed.name)) return null;
    return `is not in the secret store (sluice secret set ${parsed.name})`;
  }
  try {
    resolver.resolve(ref).fill(0);
    return null;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return parsed.kind === 'env' ? `is not set in this environment (${why})` : `has no value (${why})`;
  }
}

/**
 * Anyone who can reach the listener may use the gate: it listens beyond loopback,
 * asks for no identity, and a rule allows every host.
 */
export function openProxyWarnings(loaded: LoadedConfig, host: string): string[] {
  const c = loaded.config;
  if (c.identity.required || isLoopback(host)) return [];
  const open = c.rules.filter((r) => r.action !== 'deny' && r.mcp === undefined && (r.hosts ?? []).some((h) => String(h) === '*'));
  if (open.length === 0) return [];
  return [
    `OPEN PROXY: listening on ${host} (beyond loopback) with identity.required: false and rule(s) ${open.map((r) => r.id).join(', ')} allowing hosts ["*"]: ` +
      'anyone who can reach this port can use the gate to reach any host; listen on 127.0.0.1, or set identity.required: true',
  ];
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}
