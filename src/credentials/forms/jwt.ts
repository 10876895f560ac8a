/**
 * The minted-JWT form: for an internal service behind a route, the gate itself
 * issues a short-lived JWT (ES256, its broker key, `kid` in the header) naming the
 * workflow and the intent, and sends it as `Authorization: Bearer`. The service
 * verifies it with the gate's public keys at `/.well-known/jwks.json` (the
 * `broker.jwks_listen` listener), checking `iss` (sluice), `aud` and `exp`.
 *
 * Claims: `iss`, `aud` (this rule's `audience`), `sub` (the agent), `iat`, `exp`
 * (`ttl`, minutes), `jti`, and the identity tuple and intent (tenant, agent,
 * workflow, human, intent, rule), plus the rule's own static `claims`. One token per
 * (rule's credential, workflow, intent), reused until shortly before it expires and
 * forgotten when the workflow is revoked. There is no secret to name: the audit
 * record's credential is `jwt:<audience>`.
 *
 * @example
 * // config:   credential: { jwt: { audience: orders-api, ttl: 5m, claims: { role: reader } } }
 * // compiled: { type: 'jwt', secret: 'jwt:orders-api', jwt: { audience: 'orders-api', ttl: 300000, claims: { role: 'reader' } } }
 */
import * as z from 'zod';
import { durationField, strictSection } from '../../config/fields.js';
import { identityClaims } from '../broker/broker.js';
import { brokerOf, injectBearer, nameField, tokenKey } from './broker-fields.js';
import type { CredentialBase, CredentialForm } from './form.js';

/** Claims Sluice sets itself; a rule's static claims may not replace them. */
const RESERVED = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'tenant', 'agent', 'workflow', 'human', 'intent', 'rule']);
const MAX_TTL_MS = 3_600_000;

const claimsField = z.record(z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/), z.union([z.string().max(512), z.number(), z.boolean()])).superRefine((c, ctx) => {
  for (const k of Object.keys(c)) if (RESERVED.has(k)) ctx.addIssue({ code: 'custom', path: [k], message: `'${k}' is set by Sluice and cannot be given here` });
});

const section = strictSection({
  audience: nameField,
  /** Lifetime (default 5m, at most 1h): minutes, so a leaked token is soon worthless. */
  ttl: durationField({ positive: true })
    .refine((ms) => ms <= MAX_TTL_MS, { error: 'a minted JWT lives at most 1h' })
    .optional(),
  claims: claimsField.optional(),
});

export type JwtSection = z.output<typeof section>;

export interface JwtCredential extends CredentialBase {
  type: 'jwt';
  jwt: JwtSection;
}

const DEFAULT_TTL_MS = 300_000;

export const jwtForm = {
  type: 'jwt',
  configFields: { jwt: section.optional() },
  secretless: true,
  configIssues: () => [],
  fromConfig: (c) => {
    const jwt = c.jwt as JwtSection;
    return { type: 'jwt', secret: `jwt:${jwt.audience}`, jwt };
  },
  schema: z.object({ type: z.literal('jwt'), secret: z.string().startsWith('jwt:'), allowPlaintext: z.literal(true).optional(), jwt: section }),
  explain: (c) => {
    const extra = Object.keys(c.jwt.claims ?? {});
    const more = extra.length === 0 ? '' : ` and ${extra.join(', ')}`;
    const minutes = (c.jwt.ttl ?? DEFAULT_TTL_MS) / 60_000;
    return `Sluice-minted JWT for audience '${c.jwt.audience}', ${minutes} min, claims tenant, agent, workflow, human, intent, rule${more}, as Authorization: Bearer (keys at /.well-known/jwks.json)`;
  },
  inject(view, spec, deps) {
    const call = brokerOf(deps, spec.secret);
    const who = call.who;
    const j = spec.jwt;
    const ttlMs = j.ttl ?? DEFAULT_TTL_MS;
    const key = tokenKey('jwt', j.audience, ttlMs, j.claims, who?.tenant, who?.agent, who?.session, who?.human, call.intent, call.rule);
    return injectBearer(view, deps, call, () =>
      call.broker.token(key, async () => {
        const claims = { ...j.claims, ...identityClaims(who, call.intent, call.rule) };
        const { jwt, expiresAt } = await call.broker.mint({ audience: j.audience, ttlMs, claims, ...(who ? { subject: who.agent } : {}) });
        return { accessToken: jwt, expiresAt, refreshToken: null, needles: [], credential: spec.secret, owner: who };
      }),
    );
  },
} satisfies CredentialForm<JwtCredential>;
