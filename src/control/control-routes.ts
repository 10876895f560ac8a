/**
 * What the control socket answers: mint a run's token, renew it, end it, and the
 * gate's status. Transport-free: control-server.ts parses HTTP and identifies the
 * peer; here every request is (peer, method, path, JSON body) -> (status, JSON).
 *
 * @example
 * const { status, body } = await answer(ctx, { uid: 1001 }, 'POST', '/v1/runs', { tenant: 'acme', agent: 'bot' });
 */
import type { KeyObject } from 'node:crypto';
import type { MintGrant } from '../config/control-section.js';
import { formatDuration } from '../config/duration.js';
import type { Finding } from '../inspect/finding.js';
import type { RevocationCheck } from '../identity/authenticate.js';
import { IdentityError, InvalidArgumentError } from '../identity/errors.js';
import type { Principal } from '../identity/principal.js';
import type { RunAliases } from '../identity/run-aliases.js';
import type { TokenVerifier } from '../identity/token-verifier.js';
import { issueToken } from '../identity/tokens.js';
import { mayMint } from './mint-policy.js';
import type { ControlRefusal, RenewAnswer, RunAnswer, RunIdentity, StatusAnswer } from './protocol.js';

/** Default lifetime of a run's token (renewed at 2/3 of it while the run lives). */
export const RUN_TTL_MS = 3_600_000;

export interface ControlContext {
  readonly gateUid: number;
  grants(): readonly MintGrant[];
  /** Null when the gate has no signing key (then it cannot mint: 503). */
  readonly signingKey: KeyObject | null;
  readonly verifier: TokenVerifier;
  readonly revocations: RevocationCheck;
  readonly aliases: RunAliases;
  /** A renewal: exchanges open under the old token now live as long as the new one (LiveExchanges.carryOver). */
  carryOver(from: Principal, to: Principal): void;
  policyVersion(): string;
  proxy(): { host: string; port: number };
  readonly caCert: string;
  /** The gate's DLP over a tool call's arguments (scanToolCallArgs with the gate's scanner, which holds the store's values). */
  scanArgs(payload: unknown): Finding[];
  exchanges(): { exchanges: number; tunnels: number; sessions: Array<{ tenant: string; agent: string; session: string; exchanges: number }> };
  /** A run ended: its session's brokered tokens are forgotten (and revoked upstream where they can be). */
  sessionEnded?(p: Principal): void;
}

export interface Answer {
  status: number;
  body: object;
}

const refuse = (status: number, error: ControlRefusal['error'], reason: string): Answer => ({ status, body: { error, reason } satisfies ControlRefusal });

export async function answer(ctx: ControlContext, peer: { uid: number }, method: string, path: string, body: unknown): Promise<Answer> {
  const route = `${method} ${path}`;
  if (route === 'GET /v1/status') return { status: 200, body: status(ctx, peer) };
  if (method !== 'POST') return refuse(404, 'not_found', `no such control request: ${route.slice(0, 80)}`);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return refuse(400, 'bad_request', 'expected a JSON object');
  const b = body as Record<string, unknown>;
  if (path === '/v1/runs') return mint(ctx, peer, b);
  if (path === '/v1/runs/renew') return renew(ctx, peer, b);
  if (path === '/v1/runs/end') return end(ctx, b);
  if (path === '/v1/runs/scan') return scan(ctx, b);
  return refuse(404, 'not_found', `no such control request: ${route.slice(0, 80)}`);
}

async function mint(ctx: ControlContext, peer: { uid: number }, b: Record<string, unknown>): Promise<Answer> {
  if (typeof b.tenant !== 'string' || typeof b.agent !== 'string') return refuse(400, 'bad_request', 'tenant and agent are required strings');
  if (b.human !== undefined && b.human !== null && typeof b.human !== 'string') return refuse(400, 'bad_request', 'human: expected a string');
  if (b.ttl_ms !== undefined && typeof b.ttl_ms !== 'number') return refuse(400, 'bad_request', 'ttl_ms: expected milliseconds');
  if (b.ttl_default !== undefined && typeof b.ttl_default !== 'boolean') return refuse(400, 'bad_request', 'ttl_default: expected true or false');
  if (b.labels !== undefined && (typeof b.labels !== 'object' || b.labels === null || Array.isArray(b.labels)))
    return refuse(400, 'bad_request', 'labels: expected an object');
  const verdict = mayMint(peer, { tenant: b.tenant, agent: b.agent }, ctx.grants(), ctx.gateUid);
  if (!verdict.ok) return refuse(403, 'mint_refused', verdict.reason);
  const max = ctx.verifier.maxTtlMs;
  let ttlMs = b.ttl_ms ?? RUN_TTL_MS;
  if (ttlMs > max) {
    // A lifetime the user chose is refused; a command's default is shortened (runs renew their token anyway).
    if (b.ttl_ms !== undefined && b.ttl_default !== true) {
      return refuse(400, 'bad_request', `a token lifetime of ${formatDuration(ttlMs)} is longer than this gate's identity.max_ttl (${formatDuration(max)})`);
    }
    ttlMs = max;
  }
  if (ctx.signingKey === null) return refuse(503, 'unavailable', 'the gate has no token signing key (token-key.pem); run sluice init on its data directory');
  let issued: { token: string; principal: Principal };
  try {
    issued = await issueToken(ctx.signingKey, {
      tenant: b.tenant,
      agent: b.agent,
      human: b.human ?? null,
      labels: (b.labels as Record<string, string> | undefined) ?? {},
      ttlMs,
      policyVersion: ctx.policyVersion(),
    });
  } catch (err) {
    if (err instanceof InvalidArgumentError) return refuse(400, 'bad_request', err.message);
    throw err;
  }
  let alias: string;
  try {
    alias = ctx.aliases.issue(issued.principal);
  } catch (err) {
    return refuse(503, 'unavailable', (err as Error).message);
  }
  const run: RunAnswer = { token: issued.token, alias, identity: identityOf(issued.principal), proxy: ctx.proxy(), ca_cert: ctx.caCert };
  return { status: 200, body: run };
}

/**
 * Renew when 2/3 of the token's life has passed; otherwise only (re)bind the alias,
 * which is what makes a run survive a gate restart. Refused once the session (or
 * agent, or token) is revoked, or the caller may no longer mint that identity.
 */
async function renew(ctx: ControlContext, peer: { uid: number }, b: Record<string, unknown>): Promise<Answer> {
  const held = await heldToken(ctx, b);
  if ('status' in held) return held;
  const { p, alias } = held;
  const verdict = mayMint(peer, p, ctx.grants(), ctx.gateUid);
  if (!verdict.ok) return refuse(403, 'mint_refused', verdict.reason);
  const revoked = ctx.revocations.isRevoked(p);
  if (revoked !== null) {
    ctx.aliases.drop(alias, p.session);
    return refuse(403, 'revoked', `not renewed: the ${revoked.kind} was revoked at ${new Date(revoked.revokedAt).toISOString()}`);
  }
  let token = b.token as string;
  let current = p;
  const life = p.expiresAt - p.issuedAt;
  if (Date.now() >= p.issuedAt + (life * 2) / 3) {
    if (ctx.signingKey === null) return refuse(503, 'unavailable', 'the gate has no token signing key (token-key.pem)');
    const issued = await issueToken(ctx.signingKey, {
      tenant: p.tenant,
      agent: p.agent,
      session: p.session,
      human: p.human,
      labels: p.labels,
      ttlMs: Math.min(life, ctx.verifier.maxTtlMs),
      policyVersion: ctx.policyVersion(),
    });
    token = issued.token;
    current = issued.principal;
  }
  if (!ctx.aliases.rebind(alias, current)) return refuse(400, 'bad_request', "alias: not this run's alias");
  if (current !== p) ctx.carryOver(p, current);
  const out: RenewAnswer = { token, identity: identityOf(current), renewed: current !== p };
  return { status: 200, body: out };
}

async function end(ctx: ControlContext, b: Record<string, unknown>): Promise<Answer> {
  const held = await heldToken(ctx, b);
  if ('status' in held) return held;
  ctx.aliases.drop(held.alias, held.p.session);
  ctx.sessionEnded?.(held.p);
  return { status: 200, body: { ended: true } };
}

/**
 * `sluice mcp` holds no secret values, so it asks here whether a tool call's
 * arguments carry one. Only a run's holder may ask (its token), and the answer is
 * what the wrapper's deny would say anyway: which stored secret, where, never a value.
 */
async function scan(ctx: ControlContext, b: Record<string, unknown>): Promise<Answer> {
  const held = await heldToken(ctx, b);
  if ('status' in held) return held;
  if (ctx.revocations.isRevoked(held.p) !== null) return refuse(403, 'revoked', 'the session was revoked');
  return { status: 200, body: { findings: ctx.scanArgs(b.payload).filter((f) => f.type === 'known_secret') } };
}

/** The caller proves it holds the run by presenting the run's token (the child has only the alias). */
async function heldToken(ctx: ControlContext, b: Record<string, unknown>): Promise<Answer | { p: Principal; alias: string }> {
  if (typeof b.token !== 'string' || typeof b.alias !== 'string') return refuse(400, 'bad_request', 'token and alias are required strings');
  try {
    return { p: await ctx.verifier.verify(b.token), alias: b.alias };
  } catch (err) {
    if (err instanceof IdentityError) return refuse(403, 'token_invalid', `not renewed: ${err.message}`);
    throw err;
  }
}

function status(ctx: ControlContext, peer: { uid: number }): StatusAnswer {
  const x = ctx.exchanges();
  const runs = ctx.aliases.live();
  const out: StatusAnswer = {
    gate: 'up',
    pid: process.pid,
    policy_version: ctx.policyVersion(),
    proxy: ctx.proxy(),
    exchanges: x.exchanges,
    tunnels: x.tunnels,
    runs: runs.length,
  };
  // Session ids and agent names are the operator's to see, not every local user's.
  if (peer.uid !== 0 && peer.uid !== ctx.gateUid) return out;
  const sessions = new Map<string, NonNullable<StatusAnswer['sessions']>[number]>();
  for (const s of x.sessions) sessions.set(`${s.tenant}\u0000${s.session}`, { ...s, run_expires_at: null });
  for (const p of runs) {
    const k = `${p.tenant}\u0000${p.session}`;
    const had = sessions.get(k);
    sessions.set(k, { tenant: p.tenant, agent: p.agent, session: p.session, exchanges: had?.exchanges ?? 0, run_expires_at: p.expiresAt });
  }
  out.sessions = [...sessions.values()];
  return out;
}

function identityOf(p: Principal): RunIdentity {
  return {
    tenant: p.tenant,
    agent: p.agent,
    session: p.session,
    human: p.human,
    labels: { ...p.labels },
    token_id: p.tokenId,
    issued_at: p.issuedAt,
    expires_at: p.expiresAt,
    policy_version: p.policyVersion,
  };
}
