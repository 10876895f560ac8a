/**
 * Who is asking: what a verified agent token says. Carried with every request and
 * every tunnel, decided on by policy, and written (minus the token) to the audit trail.
 */
export interface Principal {
  readonly tenant: string;
  readonly agent: string;
  /** The session (workflow) the token was issued for; a token is bound to it. */
  readonly session: string;
  /** The person who started the session, if known. */
  readonly human: string | null;
  /** Free-form labels from the token, matched by rules' `labels`. */
  readonly labels: Readonly<Record<string, string>>;
  /** The token's id (`jti`), for revocation by token. */
  readonly tokenId: string;
  /** Issue and expiry times, epoch milliseconds. */
  readonly issuedAt: number;
  readonly expiresAt: number;
  /** The policy version in force when the token was issued, if known. */
  readonly policyVersion: string | null;
}
