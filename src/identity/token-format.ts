/**
 * What a Sluice agent token looks like on the wire: a JWT signed with EdDSA
 * (Ed25519), protected header `typ: sluice-agent+jwt`, and these claims:
 *
 * | claim | Principal field | |
 * | --- | --- | --- |
 * | `iss` | | always `sluice` |
 * | `sub` | agent | |
 * | `tnt` | tenant | |
 * | `sid` | session | bound to the proxy user name |
 * | `hum` | human | optional |
 * | `lbl` | labels | optional, name: value |
 * | `pv` | policyVersion | optional |
 * | `jti` | tokenId | for revocation by token |
 * | `iat`, `exp` | issuedAt, expiresAt | seconds; exp - iat at most 24h |
 *
 * Shared by the issuer and the verifier so the two cannot drift apart.
 */

export const TOKEN_ALG = 'EdDSA';
export const TOKEN_TYP = 'sluice-agent+jwt';
export const TOKEN_ISSUER = 'sluice';
export const DEFAULT_TTL_MS = 15 * 60_000;
export const MAX_TTL_MS = 24 * 3_600_000;
export const MIN_TTL_MS = 1000;
/** Longer than any token Sluice issues (~600 bytes with 32 labels of 128+128 characters is ~9 KiB); a bound for cheap rejection. */
export const MAX_TOKEN_LENGTH = 16 * 1024;
export const REQUIRED_CLAIMS = ['iss', 'sub', 'tnt', 'sid', 'jti', 'iat', 'exp'] as const;

/** The claims set as signed. */
export interface TokenClaims {
  iss: typeof TOKEN_ISSUER;
  sub: string;
  tnt: string;
  sid: string;
  hum?: string;
  lbl?: Record<string, string>;
  pv?: string;
  jti: string;
  iat: number;
  exp: number;
}
