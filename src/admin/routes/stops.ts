/**
 * The kill switch and quarantines (`sluice kill`, `sluice quarantine`): see what is in
 * force, throw or lift the switch (every tenant or one), quarantine a destination or
 * lift a quarantine. Each change answers once every gate on the state applied it.
 *
 * @example
 * curl -H "Authorization: Bearer $OP" -d '{"on":true,"reason":"runaway agent"}' http://127.0.0.1:9090/api/v1/kill
 * curl -H "Authorization: Bearer $OP" -d '{"target":"evil.example","for_ms":3600000}' http://127.0.0.1:9090/api/v1/quarantines
 */
import * as z from 'zod';
import { InvalidArgumentError } from '../../identity/errors.js';
import { quarantineId, type KillEntry, type QuarantineEntry } from '../../state/stops.js';
import { AdminError } from '../admin-errors.js';
import { json, route } from '../route.js';
import { appliedSchema, killSchema, ms, quarantineSchema } from '../schemas.js';

export function killView(k: KillEntry): z.output<typeof killSchema> {
  return { id: `k${k.id}`, tenant: k.tenant, reason: k.reason, at: ms(k.at)! };
}

export function quarantineView(q: QuarantineEntry): z.output<typeof quarantineSchema> {
  return { id: quarantineId(q.id), target: q.target, reason: q.reason, at: ms(q.at)!, expires_at: ms(q.expiresAt) };
}

const wait = z.number().int().min(0).max(60_000).default(5000).describe('how long to wait for every gate to apply it, ms');

/** A store refusal of what the operator typed is a 400, with its message. */
async function checked<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw new AdminError('bad_request', err.message);
    throw err;
  }
}

export const killShow = route({
  id: 'kill.show',
  method: 'GET',
  path: '/api/v1/kill',
  role: 'auditor',
  summary: 'Kills in force',
  response: z.object({ kills: z.array(killSchema) }),
  handle: ({ host }) => json({ kills: host.stops.kills().map(killView) }),
});

export const killSet = route({
  id: 'kill.set',
  method: 'POST',
  path: '/api/v1/kill',
  role: 'admin',
  summary: 'Throw (on) or lift (off) the kill switch, for every tenant or one',
  body: z.object({ on: z.boolean(), tenant: z.string().min(1).max(256).optional(), reason: z.string().max(256).optional(), wait_ms: wait }),
  response: z.object({ kill: killSchema.nullable(), lifted: z.array(killSchema), ...appliedSchema.shape }),
  handle: async ({ host, body }) => {
    const tenant = body.tenant ?? null;
    if (body.on) {
      const k = await checked(() => host.stops.kill({ tenant, reason: body.reason ?? null }));
      const pending = await host.stops.awaitApplied(k, body.wait_ms);
      return json({ kill: killView(k), lifted: [], applied: pending.length === 0, pending });
    }
    const lift = await checked(() => host.stops.unkill(tenant));
    if (lift === null) throw new AdminError('not_found', tenant === null ? 'no global kill is in force' : `no kill of tenant ${tenant} is in force`);
    const pending = await host.stops.awaitApplied(lift, body.wait_ms);
    return json({ kill: null, lifted: lift.lifted.map(killView), applied: pending.length === 0, pending });
  },
});

export const quarantinesList = route({
  id: 'quarantines.list',
  method: 'GET',
  path: '/api/v1/quarantines',
  role: 'auditor',
  summary: 'Quarantines in force',
  response: z.object({ quarantines: z.array(quarantineSchema) }),
  handle: ({ host }) => json({ quarantines: host.stops.quarantines().map(quarantineView) }),
});

export const quarantinesAdd = route({
  id: 'quarantines.add',
  method: 'POST',
  path: '/api/v1/quarantines',
  role: 'admin',
  summary: 'Quarantine a host, *.suffix or CIDR for everyone',
  body: z.object({
    target: z.string().min(1).max(256),
    reason: z.string().max(256).optional(),
    for_ms: z.number().int().positive().optional().describe('until lifted when absent'),
    wait_ms: wait,
  }),
  responseStatus: 201,
  response: z.object({ quarantine: quarantineSchema, ...appliedSchema.shape }),
  handle: async ({ host, body }) => {
    const q = await checked(() => host.stops.quarantine({ target: body.target, reason: body.reason ?? null, forMs: body.for_ms ?? null }));
    const pending = await host.stops.awaitApplied(q, body.wait_ms);
    return json({ quarantine: quarantineView(q), applied: pending.length === 0, pending }, 201);
  },
});

export const quarantinesLift = route({
  id: 'quarantines.lift',
  method: 'DELETE',
  path: '/api/v1/quarantines/{id}',
  role: 'admin',
  summary: 'Lift a quarantine by id (q7) or every one on a target',
  params: z.object({ id: z.string().min(1).max(256) }),
  response: z.object({ lifted: z.array(quarantineSchema), ...appliedSchema.shape }),
  handle: async ({ host, params }) => {
    const lift = await checked(() => host.stops.lift(params.id));
    if (lift === null) throw new AdminError('not_found', `no quarantine ${params.id} is in force (GET /api/v1/quarantines)`);
    const pending = await host.stops.awaitApplied(lift, 5000);
    return json({ lifted: lift.lifted.map(quarantineView), applied: pending.length === 0, pending });
  },
});
