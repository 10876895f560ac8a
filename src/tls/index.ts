/**
 * TLS: the interception CA (create, write, load and check), the leaf certificates
 * it signs per host, and the trust the gate places in upstreams.
 *
 * @example
 * import { createCa, writeCa, loadCa } from './tls/index.js';
 * const { certPath, keyPath } = await writeCa(dir, await createCa());
 * const ca = await loadCa(certPath, keyPath);
 */
export { CA_CERT_FILE, CA_KEY_FILE, createCa, loadCa, writeCa } from './ca.js';
export type { CaMaterial, LoadedCa } from './ca.js';
export { LeafCertCache } from './leaf-cache.js';
export { DEFAULT_SYSTEM_BUNDLE, upstreamTrust, writeClientBundle } from './trust.js';
