/**
 * The decision trail: search it (the filters of `sluice audit query`) and follow it
 * live (Server-Sent Events, one `decision` event per record, as `sluice audit tail -f`).
 *
 * @example
 * curl -H "Authorization: Bearer $OP" 'http://127.0.0.1:9090/api/v1/decisions?outcome=deny&limit=20'
 * curl -N -H "Authorization: Bearer $OP" http://127.0.0.1:9090/api/v1/decisions/stream
 */
import * as z from 'zod';
import type { AuditRecord } from '../../audit/fields.js';
import type { AuditFilter } from '../../audit/query.js';
import { AdminError } from '../admin-errors.js';
import type { AdminHost } from '../context.js';
import { json, route } from '../route.js';
import { decisionSchema, intParam, nameParam, timeParam } from '../schemas.js';

const OUTCOMES = ['allow', 'deny', 'error', 'would_deny', 'challenge'] as const;

const filterShape = {
  tenant: nameParam.optional(),
  agent: nameParam.optional(),
  session: nameParam.optional(),
  rule: nameParam.optional(),
  reason: nameParam.optional(),
  host: nameParam.optional(),
  budget: nameParam.optional(),
  approval: nameParam.optional(),
  outcome: z
    .string()
    .describe(`comma-separated: ${OUTCOMES.join(', ')}`)
    .transform((s) => s.split(','))
    .pipe(z.array(z.enum(OUTCOMES)))
    .optional(),
  protocol: z
    .string()
    .describe('comma-separated: mcp, a2a, admin')
    .transform((s) => s.split(','))
    .optional(),
};

const searchQuery = z.object({
  ...filterShape,
  since: timeParam.optional(),
  until: timeParam.optional(),
  limit: intParam(1, 1000).optional().describe('at most this many (default 100)'),
  order: z.enum(['asc', 'desc']).optional(),
});

/** The reader, or 503 naming why there is none. */
export function readerOf(host: AdminHost): NonNullable<AdminHost['reader']> {
  const r = host.reader;
  if (r === null) throw new AdminError('unavailable', 'this gate keeps no audit trail the admin API can read (audit.sqlite is off)');
  if (!r.exists()) throw new AdminError('unavailable', `no audit trail yet at ${r.file}`);
  return r;
}

type Filter = { [K in keyof typeof filterShape]?: z.output<(typeof filterShape)[K]> };

function toFilter(q: Filter): AuditFilter {
  const f: AuditFilter = {};
  for (const k of ['tenant', 'agent', 'session', 'rule', 'reason', 'host', 'budget', 'approval'] as const) if (q[k] !== undefined) f[k] = q[k];
  if (q.outcome !== undefined) f.outcome = q.outcome;
  if (q.protocol !== undefined) f.protocol = q.protocol;
  return f;
}

/** Whether a streamed record passes the stream's filters (the same fields a search filters on). */
function passes(r: AuditRecord, q: Filter): boolean {
  for (const k of ['tenant', 'agent', 'session', 'rule', 'reason', 'host'] as const) if (q[k] !== undefined && r[k] !== q[k]) return false;
  if (q.approval !== undefined && r.approval_id !== q.approval) return false;
  if (q.budget !== undefined && !(r.budget ?? '').split(',').includes(q.budget)) return false;
  if (q.outcome !== undefined && !q.outcome.includes(r.outcome)) return false;
  if (q.protocol !== undefined && !q.protocol.includes(r.protocol ?? '')) return false;
  return true;
}

export const decisionsSearch = route({
  id: 'decisions.search',
  method: 'GET',
  path: '/api/v1/decisions',
  role: 'auditor',
  summary: 'Search the decision trail',
  description: 'Records matching every filter given, newest first unless order=asc.',
  query: searchQuery,
  response: z.object({ decisions: z.array(decisionSchema) }),
  handle: async ({ host, query }) => {
    const f: AuditFilter = { ...toFilter(query), limit: query.limit ?? 100 };
    if (query.since) f.since = query.since;
    if (query.until) f.until = query.until;
    if (query.order) f.order = query.order;
    return json({ decisions: await readerOf(host).query(f) });
  },
});

const HEARTBEAT_MS = 15_000;

export const decisionsStream = route({
  id: 'decisions.stream',
  method: 'GET',
  path: '/api/v1/decisions/stream',
  role: 'auditor',
  summary: 'Follow the decision trail live (Server-Sent Events)',
  description:
    'One `decision` event per new record (data: the record as JSON), in write order; `backlog` first sends that many recent records. A comment line every 15 s keeps proxies from closing the stream.',
  query: z.object({ ...filterShape, backlog: intParam(0, 1000).optional() }),
  response: decisionSchema,
  mediaType: 'text/event-stream',
  handle: ({ host, query }) => {
    const reader = readerOf(host);
    return {
      raw: (res, signal) => {
        res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' });
        const send = (r: AuditRecord): void => {
          if (passes(r, query)) res.write(`event: decision\nid: ${r.decision_id}\ndata: ${JSON.stringify(r)}\n\n`);
        };
        let stop: (() => void) | null = null;
        let ended = false;
        const beat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
        beat.unref();
        const end = (): void => {
          if (ended) return;
          ended = true;
          clearInterval(beat);
          stop?.();
          res.end();
        };
        if (signal.aborted) return end();
        signal.addEventListener('abort', end, { once: true });
        // The backlog, then every record after it (a shared trail's reader answers asynchronously).
        return Promise.resolve(reader.latest(query.backlog ?? 0)).then(
          ({ records, lastRowid }) => {
            if (ended) return;
            for (const r of records) send(r);
            res.write(': following\n\n');
            stop = reader.tail({ fromRowid: lastRowid, onRecord: send, pollMs: 100 });
          },
          () => end(),
        );
      },
    };
  },
});
