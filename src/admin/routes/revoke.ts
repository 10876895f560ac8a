/**
 * Revocations: end a session, an agent's tokens or one token (as `sluice revoke`), or a
 * whole tenant (a kill of that tenant: `sluice kill --tenant`). Answers once every
 * gate on the state applied it (their open exchanges of that identity have ended), or
 * names the ones that had not within `wait_ms`.
 *
 * @example
 * curl -H "Authorization: Bearer $OP" -d '{"kind":"session","value":"ses_1","tenant":"acme"}' http://127.0.0.1:9090/api/v1/revocations
 */
import * as z from 'zod';
import { InvalidArgumentError } from '../../identity/errors.js';
import type { RevocationEntry } from '../../state/revocations.js';
import { AdminError } from '../admin-errors.js';
import { json, route } from '../route.js';
import { appliedSchema, killSchema, ms, revocationSchema } from '../schemas.js';
import { killView } from './stops.js';

export function revocationView(e: RevocationEntry): z.output<typeof revocationSchema> {
  return { id: e.id, kind: e.kind, value: e.value, tenant: e.tenant, reason: e.reason, revoked_at: ms(e.revokedAt)! };
}

export const waitField = z.number().int().min(0).max(60_000).default(5000).describe('how long to wait for every gate to apply it, ms');

export const revocationsList = route({
  id: 'revocations.list',
  method: 'GET',
  path: '/api/v1/revocations',
  role: 'auditor',
  summary: 'Revocations in force',
  response: z.object({ revocations: z.array(revocationSchema) }),
  handle: ({ host }) => json({ revocations: host.revocations.list().map(revocationView) }),
});

export const revocationsCreate = route({
  id: 'revocations.create',
  method: 'POST',
  path: '/api/v1/revocations',
  role: 'admin',
  summary: 'Revoke a session, an agent, a token or a tenant; its open exchanges end',
  description: "kind tenant kills that tenant's traffic (as `sluice kill --tenant`); lift it with POST /api/v1/kill {on:false, tenant}.",
  body: z.object({
    kind: z.enum(['session', 'agent', 'token', 'tenant']),
    value: z.string().min(1).max(256).describe('the session id, agent name, token id (jti) or tenant'),
    tenant: z.string().min(1).max(256).optional().describe('only within this tenant (not with kind tenant)'),
    reason: z.string().max(256).optional(),
    wait_ms: waitField,
  }),
  responseStatus: 201,
  response: z.object({ revocation: revocationSchema.nullable(), kill: killSchema.nullable(), ...appliedSchema.shape }),
  handle: async ({ host, body }) => {
    try {
      if (body.kind === 'tenant') {
        if (body.tenant !== undefined) throw new AdminError('bad_request', 'kind tenant names the tenant in value; leave tenant out');
        const k = await host.stops.kill({ tenant: body.value, reason: body.reason ?? null });
        const pending = await host.stops.awaitApplied(k, body.wait_ms);
        return json({ revocation: null, kill: killView(k), applied: pending.length === 0, pending }, 201);
      }
      const e = await host.revocations.revoke({ kind: body.kind, value: body.value, tenant: body.tenant ?? null, reason: body.reason ?? null });
      const pending = await host.revocations.awaitApplied(e, body.wait_ms);
      return json({ revocation: revocationView(e), kill: null, applied: pending.length === 0, pending }, 201);
    } catch (err) {
      if (err instanceof InvalidArgumentError) throw new AdminError('bad_request', err.message);
      throw err;
    }
  },
});
