/**
 * The routes about the server itself: `/healthz` (the process answers) and `/readyz`
 * (the shared state is readable and the audit trail is writing), both without a
 * token; `/metrics` (Prometheus text, auditor and up, when a registry is wired and
 * `admin.metrics` is on).
 *
 * `/readyz` stays ready while the gate is killed: the kill refuses every agent, but an
 * orchestrator that took a killed gate out of its Service would also cut the operator
 * off from the admin API that lifts the kill. It reports the kill instead.
 *
 * @example
 * curl http://127.0.0.1:9090/readyz  # {"ready":true,"checks":{"state":"ok","audit":"ok","killed":false}}
 */
import * as z from 'zod';
import { AdminError } from '../admin-errors.js';
import type { AdminHost } from '../context.js';
import { json, route } from '../route.js';

export const healthz = route({
  id: 'healthz',
  method: 'GET',
  path: '/healthz',
  role: null,
  summary: 'The process is up (no token needed)',
  response: z.object({ status: z.literal('up') }),
  handle: () => json({ status: 'up' }),
});

const readySchema = z.object({
  ready: z.boolean(),
  checks: z.object({ state: z.enum(['ok', 'unavailable']), audit: z.enum(['ok', 'failing']), killed: z.boolean() }),
});

/** The readiness checks: each store answers from its snapshot (which throws once it cannot be trusted). */
export function readiness(host: AdminHost): z.output<typeof readySchema> {
  let state: 'ok' | 'unavailable' = 'ok';
  let killed = false;
  try {
    killed = host.stops.killedFor(null) !== null;
    host.revocations.list();
  } catch {
    state = 'unavailable';
  }
  const audit = host.auditHealthy() ? 'ok' : 'failing';
  return { ready: state === 'ok' && audit === 'ok', checks: { state, audit, killed } };
}

export const readyz = route({
  id: 'readyz',
  method: 'GET',
  path: '/readyz',
  role: null,
  summary: 'Ready to serve: state readable, audit trail writing (503 when not; no token needed)',
  response: readySchema,
  handle: ({ host }) => {
    const r = readiness(host);
    return json(r, r.ready ? 200 : 503);
  },
});

export const metrics = route({
  id: 'metrics',
  method: 'GET',
  path: '/metrics',
  role: 'auditor',
  summary: 'Prometheus metrics (text exposition format)',
  response: z.string(),
  mediaType: 'text/plain; version=0.0.4',
  handle: async ({ host }) => {
    if (!host.config().admin.metrics) throw new AdminError('not_found', '/metrics is off (admin.metrics: false)');
    if (host.metrics === undefined) throw new AdminError('not_implemented', 'no metrics registry is wired into this gate yet');
    const m = await host.metrics();
    return {
      raw: (res) => {
        res.writeHead(200, { 'content-type': m.contentType, 'content-length': Buffer.byteLength(m.body) });
        res.end(m.body);
      },
    };
  },
});
