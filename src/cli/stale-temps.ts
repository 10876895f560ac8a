import { join } from 'node:path';
import { MASTER_KEY_FILE } from '../credentials/master-key.js';
import { STORE_FILE } from '../credentials/store-format.js';
import { TOKEN_KEY_FILE, TOKEN_PUBLIC_KEY_FILE } from '../identity/keys.js';
import { removeStaleTemps } from '../temp-files.js';

/** The bundle `sluice run` and `sluice mcp` write for their children (gate-session.ts). */
export const CLIENT_BUNDLE_FILE = 'ca-bundle.pem';

/**
 * Every file Sluice replaces atomically (temp file, then rename or link): the secret
 * store and its master key, the token keys, the client CA bundle, the CA pair.
 */
export function atomicallyWritten(dataDir: string, ca: { cert: string; key: string }): string[] {
  return [STORE_FILE, MASTER_KEY_FILE, TOKEN_KEY_FILE, TOKEN_PUBLIC_KEY_FILE, CLIENT_BUNDLE_FILE].map((f) => join(dataDir, f)).concat(ca.cert, ca.key);
}

/**
 * Remove what a crash during an atomic write left behind (see temp-files.ts), at
 * `sluice start` and `sluice init`: a temp file may hold a key, and nothing else would
 * ever delete it. Returns the paths removed, for the log.
 *
 * @example
 * const removed = await removeCrashLeftovers(config.data_dir, { cert: config.tls.ca_cert, key: config.tls.ca_key });
 */
export function removeCrashLeftovers(dataDir: string, ca: { cert: string; key: string }): Promise<string[]> {
  return removeStaleTemps(atomicallyWritten(dataDir, ca));
}
