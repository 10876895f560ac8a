/**
 * Agent identity: keys, tokens, the proxy header, and the identify step.
 *
 * @example
 * import { TokenVerifier, loadVerifyKey, authenticate } from './identity/index.js';
 */
export { authenticate } from './authenticate.js';
export type { RevocationCheck } from './authenticate.js';
export { IdentityError, InvalidArgumentError } from './errors.js';
export type { IdentityReason } from './errors.js';
export { ensureTokenKeys, loadSigningKey, loadVerifyKey, TOKEN_KEY_FILE, TOKEN_PUBLIC_KEY_FILE } from './keys.js';
export { mintRunToken } from './mint-run-token.js';
export type { RunTokenRequest } from './mint-run-token.js';
export { MAX_LABELS, NAME_PATTERN } from './names.js';
export type { Principal } from './principal.js';
export { checkBinding, PROXY_USER, readProxyAuthorization } from './proxy-auth.js';
export { DEFAULT_TTL_MS, MAX_TTL_MS, TOKEN_TYP } from './token-format.js';
export { TokenVerifier } from './token-verifier.js';
export type { TokenVerifierOptions } from './token-verifier.js';
export { issueToken, newSessionId } from './tokens.js';
export type { IssueTokenRequest } from './tokens.js';
