/**
 * The operator's two service-level objectives from the trail and the revocations, as
 * `sluice audit slo` computes them (audit/slo.ts): the safe completion rate (sessions
 * that finished without a policy breach) and containment time (a session's first
 * finding to its revocation).
 *
 * @example
 * curl -H "Authorization: Bearer $OP" 'http://127.0.0.1:9090/api/v1/slo?since=2026-12-06T00:00:00Z'
 */
import * as z from 'zod';
import { computeSlo } from '../../audit/slo.js';
import { json, route } from '../route.js';
import { intParam, timeParam } from '../schemas.js';
import { readerOf } from './decisions.js';

const ms = z.number().nullable();

const sloSchema = z
  .object({
    sessions: z.number(),
    finished: z.number(),
    in_progress: z.number(),
    safe: z.number(),
    safe_completion_rate: z.number().nullable().describe('safe / finished; null when no session finished'),
    containment: z.object({
      with_findings: z.number(),
      contained: z.number(),
      uncontained: z.number(),
      mean_ms: ms,
      p50_ms: ms,
      p95_ms: ms,
      max_ms: ms,
      sessions: z.array(
        z.object({
          tenant: z.string().nullable(),
          agent: z.string().nullable(),
          session: z.string(),
          first_finding: z.string(),
          first_finding_what: z.string(),
          revoked_at: z.string().nullable(),
          containment_ms: ms,
        }),
      ),
    }),
  })
  .meta({ id: 'Slo' });

/** Records read at most: the window's oldest first. */
const MAX_RECORDS = 200_000;

export const sloShow = route({
  id: 'slo.show',
  method: 'GET',
  path: '/api/v1/slo',
  role: 'auditor',
  summary: 'Safe completion rate and containment time over a window of the trail',
  query: z.object({
    since: timeParam.optional().describe('default: 24 hours ago'),
    idle_ms: intParam(1000, 7 * 86_400_000)
      .optional()
      .describe('a session idle this long counts as finished (default 15 minutes)'),
  }),
  response: sloSchema,
  handle: async ({ host, query }) => {
    const now = new Date();
    const since = query.since ?? new Date(now.getTime() - 86_400_000);
    const records = await readerOf(host).query({ since, order: 'asc', limit: MAX_RECORDS });
    const slo = computeSlo(records, host.revocations.list(), { now, ...(query.idle_ms !== undefined ? { idleMs: query.idle_ms } : {}) });
    return json(slo);
  },
});
