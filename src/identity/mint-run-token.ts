/**
 * The token `sluice run --tenant T --agent A` hands to the command it starts: a fresh
 * session, signed with the data directory's key.
 *
 * @example
 * const { token, session } = await mintRunToken(config.data_dir, { tenant: 'acme', agent: 'bot' });
 * env.HTTPS_PROXY = `http://sluice:${token}@127.0.0.1:8877`;
 */
import { loadSigningKey } from './keys.js';
import type { Principal } from './principal.js';
import { issueToken } from './tokens.js';

export interface RunTokenRequest {
  tenant: string;
  agent: string;
  human?: string | null;
  /** Default 15 minutes, at most 24 hours. */
  ttlMs?: number;
  labels?: Readonly<Record<string, string>>;
  policyVersion?: string | null;
}

/**
 * Mint a token for one `sluice run`, with a new session id. Throws SluiceError
 * (IDENTITY_KEY) when the key is missing, InvalidArgumentError for bad names or ttl.
 *
 * @example
 * const { token, session, principal } = await mintRunToken(dir, { tenant: 't', agent: 'a', ttlMs: 3_600_000 });
 */
export async function mintRunToken(dataDir: string, req: RunTokenRequest): Promise<{ token: string; session: string; principal: Principal }> {
  const key = await loadSigningKey(dataDir);
  const { token, principal } = await issueToken(key, req);
  return { token, session: principal.session, principal };
}
