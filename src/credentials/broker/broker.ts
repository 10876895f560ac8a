/**
 * The credential broker: the long-lived part of the brokered forms (oauth2,
 * token_exchange, jwt). It holds the token cache (one per gate, across reloads), the
 * key Sluice signs its JWTs with, and the way out to token endpoints the gate gives
 * it; the forms (forms/oauth2.ts, ...) say what to fetch or mint, the broker keeps it.
 *
 * Tokens bound to a session (exchanged or minted for one workflow) are forgotten when
 * the session, its agent or its token is revoked (`revoked`, fed by the revocation
 * store's onChange), and revoked at the authorization server where the credential
 * names an RFC 7009 endpoint: a leaked workflow token dies with the workflow.
 *
 * @example
 * const broker = new CredentialBroker({ dataDir, transport, skewMs: 60_000 });
 * revocations.onChange((added) => broker.revoked(added));
 * const jwt = await broker.mint({ audience: 'orders', ttlMs: 300_000, claims: { intent: 'order.read' } });
 */
import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import { CredentialError } from '../errors.js';
import { reflectionNeedles } from '../reflection-needles.js';
import { loadBrokerKey, BROKER_ALG } from './signing-key.js';
import type { BrokerKey } from './signing-key.js';
import { TokenCache } from './token-cache.js';
import type { FetchedToken, TokenTransport } from './token-request.js';

/** Who a brokered token is for: the identity tuple of the request. */
export interface BrokerIdentity {
  readonly tenant: string;
  readonly agent: string;
  readonly session: string;
  readonly human: string | null;
  readonly tokenId: string;
}

/** What one injection tells a brokered form: the InjectDeps it is given, checked whole by brokerOf (forms/broker-fields.ts). */
export interface BrokerCall {
  readonly broker: CredentialBroker;
  readonly who: BrokerIdentity | null;
  readonly intent: string | null;
  readonly rule: string;
  /** Scrub the token's spellings from the response too (the agent must never read it). */
  reflect(needles: readonly Buffer[]): void;
}

/** A cached token, and the session it belongs to when it is one workflow's. */
export interface BrokerToken extends FetchedToken {
  readonly credential: string;
  readonly owner: BrokerIdentity | null;
  /** RFC 7009 at the server that issued it, when the credential names a revocation endpoint. */
  readonly revoke?: (() => Promise<boolean>) | undefined;
}

/** What a revocation names (state/revocations.ts's RevocationEntry, the fields the broker reads). */
export interface RevokedIdentity {
  readonly kind: 'session' | 'agent' | 'token';
  readonly value: string;
  readonly tenant: string | null;
}

export interface BrokerOptions {
  dataDir: string;
  transport: TokenTransport;
  /** Refresh tokens this long before they expire (default 60 s). */
  skewMs?: number;
  /** Most tokens cached (default 10 000). */
  maxTokens?: number;
  /** `iss` of the JWTs Sluice mints (default 'sluice'). */
  issuer?: string;
  now?: () => number;
  /** Told each upstream revocation's outcome: the credential's name, never the token. */
  onRevoke?: (credential: string, ok: boolean, err?: unknown) => void;
}

/**
 * Revocations remembered for fetches under way: a fetch lasts seconds (token_timeout),
 * and only so long, since an agent's revocation lets its later tokens through.
 */
const MAX_RECENT = 1024;
const RECENT_MS = 60_000;

export class CredentialBroker {
  readonly transport: TokenTransport;
  readonly issuer: string;
  readonly #tokens: TokenCache<BrokerToken>;
  readonly #dataDir: string;
  /** Loaded (or created) on first use: a gate whose rules mint nothing writes no key. */
  #key: Promise<BrokerKey> | null = null;
  readonly #onRevoke: NonNullable<BrokerOptions['onRevoke']>;
  /** The latest revocations: a token whose fetch was under way when its workflow was revoked is not kept. */
  readonly #recent: { e: RevokedIdentity; at: number }[] = [];

  constructor(opts: BrokerOptions) {
    this.transport = opts.transport;
    this.issuer = opts.issuer ?? 'sluice';
    this.#dataDir = opts.dataDir;
    this.#tokens = new TokenCache({ max: opts.maxTokens, skewMs: opts.skewMs, now: opts.now });
    this.#onRevoke = opts.onRevoke ?? (() => undefined);
  }

  /** The signing key; a failure to load it is retried on the next call. */
  key(): Promise<BrokerKey> {
    this.#key ??= loadBrokerKey(this.#dataDir).catch((err: unknown) => {
      this.#key = null;
      throw err;
    });
    return this.#key;
  }

  /** The broker's clock, epoch ms. */
  now(): number {
    return this.#tokens.now();
  }

  /** The public keys that verify Sluice's JWTs (served at /.well-known/jwks.json). */
  async jwks(): Promise<ReturnType<BrokerKey['jwks']>> {
    return (await this.key()).jwks();
  }

  /** The token under `key`, else the one `fetch` brings (once for concurrent callers), its needles built once. */
  token(key: string, fetch: () => Promise<BrokerToken>): Promise<BrokerToken> {
    return this.#tokens.get(key, async () => {
      const t = await fetch();
      const owner = t.owner;
      const since = this.now() - RECENT_MS;
      if (owner !== null && this.#recent.some((r) => r.at >= since && names(r.e, owner))) {
        this.#dispose([t]);
        throw new CredentialError('credential_unavailable', `credential '${t.credential}': the workflow was revoked while its token was fetched`, {
          ref: t.credential,
        });
      }
      t.needles = reflectionNeedles(Buffer.from(t.accessToken, 'utf8'));
      return t;
    });
  }

  /** The token under `key` even when due for refresh (its refresh token), or undefined. */
  previous(key: string): BrokerToken | undefined {
    return this.#tokens.peek(key);
  }

  /**
   * A JWT signed with the broker's key: `iss`, `aud`, `iat`, `exp` (now + ttl), a fresh
   * `jti`, and `claims`.
   */
  async mint(opts: { audience: string; ttlMs: number; claims: Record<string, unknown>; subject?: string }): Promise<{ jwt: string; expiresAt: number }> {
    const key = await this.key();
    const iat = Math.floor(this.now() / 1000);
    const exp = iat + Math.max(1, Math.floor(opts.ttlMs / 1000));
    let b = new SignJWT(opts.claims)
      .setProtectedHeader({ alg: BROKER_ALG, kid: key.kid, typ: 'JWT' })
      .setIssuer(this.issuer)
      .setAudience(opts.audience)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(randomUUID());
    if (opts.subject !== undefined) b = b.setSubject(opts.subject);
    return { jwt: await b.sign(key.privateKey), expiresAt: exp * 1000 };
  }

  /**
   * Revocations were recorded: forget every token of the identities they name, and
   * revoke upstream those the issuing server can revoke. Never throws (it runs inside
   * the revocation store's listener); each upstream outcome goes to `onRevoke`.
   */
  revoked(entries: readonly RevokedIdentity[]): void {
    if (entries.length === 0) return;
    const at = this.now();
    for (const e of entries) this.#recent.push({ e, at });
    if (this.#recent.length > MAX_RECENT) this.#recent.splice(0, this.#recent.length - MAX_RECENT);
    this.#dispose(this.#tokens.forget((_key, t) => t.owner !== null && entries.some((e) => names(e, t.owner!))));
  }

  /** Revoke upstream each token that can be (never awaited; each outcome to `onRevoke`). */
  #dispose(gone: readonly BrokerToken[]): void {
    for (const t of gone) {
      if (!t.revoke) continue;
      t.revoke().then(
        (ok) => this.#onRevoke(t.credential, ok),
        (err: unknown) => this.#onRevoke(t.credential, false, err),
      );
    }
  }

  /** How many tokens are cached (for status and tests). */
  get size(): number {
    return this.#tokens.size;
  }
}

function names(e: RevokedIdentity, who: BrokerIdentity): boolean {
  if (e.tenant !== null && e.tenant !== who.tenant) return false;
  if (e.kind === 'session') return e.value === who.session;
  if (e.kind === 'agent') return e.value === who.agent;
  return e.value === who.tokenId;
}

/**
 * The identity tuple and intent as JWT claims, the same in every token Sluice mints.
 *
 * @example
 * identityClaims(who, 'ticket.create', 'tickets-write');
 * // { tenant: 'acme', agent: 'triage-bot', workflow: 'ses_1', human: 'ana@acme.test', intent: 'ticket.create', rule: 'tickets-write' }
 */
export function identityClaims(who: BrokerIdentity | null, intent: string | null, rule: string): Record<string, unknown> {
  return {
    tenant: who?.tenant ?? null,
    agent: who?.agent ?? null,
    workflow: who?.session ?? null,
    human: who?.human ?? null,
    intent,
    rule,
  };
}
