/**
 * Sessions: who did what, from the recent decision trail merged with what is open now.
 * A session's detail is its identity tuple (human → agent → session, in its tenant),
 * what it spent of its budgets, its open exchanges and tunnels, whether it is revoked,
 * and its MCP tool calls as a graph (agent → server → tool, with counts and outcomes).
 *
 * @example
 * curl -H "Authorization: Bearer $OP" 'http://127.0.0.1:9090/api/v1/sessions/ses_1?tenant=acme'
 */
import * as z from 'zod';
import type { AuditRecord } from '../../audit/fields.js';
import { AdminError } from '../admin-errors.js';
import type { AdminHost, OpenSession } from '../context.js';
import { json, route } from '../route.js';
import { intParam, nameParam, revocationSchema } from '../schemas.js';
import { accountsOf, budgetAccountSchema } from './budgets.js';
import { readerOf } from './decisions.js';
import { revocationView } from './revoke.js';

const openSchema = z.object({ exchanges: z.number(), tunnels: z.number(), destinations: z.array(z.string()) });

const sessionSchema = z
  .object({
    tenant: z.string().nullable(),
    agent: z.string().nullable(),
    session: z.string(),
    human: z.string().nullable(),
    first_seen: z.string().nullable(),
    last_seen: z.string().nullable(),
    decisions: z.number().describe('records in the window searched'),
    denied: z.number(),
    open: openSchema,
  })
  .meta({ id: 'Session' });

const graphSchema = z.object({
  nodes: z.array(z.object({ id: z.string(), kind: z.enum(['agent', 'server', 'tool']), label: z.string(), calls: z.number(), denied: z.number() })),
  edges: z.array(z.object({ from: z.string(), to: z.string(), calls: z.number(), denied: z.number() })),
  calls: z.array(
    z.object({
      decision_id: z.string(),
      time: z.string(),
      server: z.string().nullable(),
      tool: z.string().nullable(),
      outcome: z.string(),
      reason: z.string(),
      parent_id: z.string().nullable(),
    }),
  ),
});

/** How many recent records a sessions listing looks at. */
const WINDOW = 5000;

type Summary = z.output<typeof sessionSchema>;

function key(tenant: string | null, session: string): string {
  return `${tenant ?? ''}\u0000${session}`;
}

function noneOpen(): z.output<typeof openSchema> {
  return { exchanges: 0, tunnels: 0, destinations: [] };
}

function summarise(records: readonly AuditRecord[], open: readonly OpenSession[]): Summary[] {
  const out = new Map<string, Summary>();
  // Newest first: the first record seen is the last one made.
  for (const r of records) {
    if (r.session === null || r.protocol === ('admin' as AuditRecord['protocol'])) continue;
    const k = key(r.tenant, r.session);
    let s = out.get(k);
    if (s === undefined) {
      s = {
        tenant: r.tenant,
        agent: r.agent,
        session: r.session,
        human: r.human,
        first_seen: r.time,
        last_seen: r.time,
        decisions: 0,
        denied: 0,
        open: noneOpen(),
      };
      out.set(k, s);
    }
    s.first_seen = r.time;
    s.decisions++;
    if (r.outcome === 'deny') s.denied++;
  }
  for (const o of open) {
    const k = key(o.tenant, o.session);
    const s = out.get(k) ?? {
      tenant: o.tenant,
      agent: o.agent,
      session: o.session,
      human: o.human,
      first_seen: null,
      last_seen: null,
      decisions: 0,
      denied: 0,
      open: noneOpen(),
    };
    s.open = { exchanges: o.exchanges, tunnels: o.tunnels, destinations: o.destinations };
    out.set(k, s);
  }
  return [...out.values()];
}

async function records(host: AdminHost, f: { tenant?: string; agent?: string; session?: string }, limit: number): Promise<AuditRecord[]> {
  // No trail yet is no sessions from it (open ones still show); no trail configured is a 503.
  if (host.reader === null) throw new AdminError('unavailable', 'this gate keeps no audit trail the admin API can read (audit.sqlite is off)');
  if (!(await host.reader.exists())) return [];
  return readerOf(host).query({ ...f, limit });
}

export const sessionsList = route({
  id: 'sessions.list',
  method: 'GET',
  path: '/api/v1/sessions',
  role: 'auditor',
  summary: 'Sessions seen recently, and those with open exchanges',
  query: z.object({ tenant: nameParam.optional(), agent: nameParam.optional(), limit: intParam(1, 1000).optional() }),
  response: z.object({ sessions: z.array(sessionSchema) }),
  handle: async ({ host, query }) => {
    const f: { tenant?: string; agent?: string } = {};
    if (query.tenant !== undefined) f.tenant = query.tenant;
    if (query.agent !== undefined) f.agent = query.agent;
    const open = host.open().filter((o) => (f.tenant === undefined || o.tenant === f.tenant) && (f.agent === undefined || o.agent === f.agent));
    return json({ sessions: summarise(await records(host, f, WINDOW), open).slice(0, query.limit ?? 100) });
  },
});

function toolGraph(rs: readonly AuditRecord[]): z.output<typeof graphSchema> {
  const nodes = new Map<string, z.output<typeof graphSchema>['nodes'][number]>();
  const edges = new Map<string, z.output<typeof graphSchema>['edges'][number]>();
  const calls = rs.filter((r) => r.protocol === 'mcp' && r.tool !== null).reverse();
  const bump = (id: string, kind: 'agent' | 'server' | 'tool', label: string, denied: boolean): void => {
    const n = nodes.get(id) ?? { id, kind, label, calls: 0, denied: 0 };
    n.calls++;
    if (denied) n.denied++;
    nodes.set(id, n);
  };
  const link = (from: string, to: string, denied: boolean): void => {
    const k = `${from}\u0000${to}`;
    const e = edges.get(k) ?? { from, to, calls: 0, denied: 0 };
    e.calls++;
    if (denied) e.denied++;
    edges.set(k, e);
  };
  for (const r of calls) {
    const denied = r.outcome === 'deny';
    const agent = `agent:${r.agent ?? '-'}`;
    const server = `server:${r.server ?? r.host}`;
    const tool = `tool:${r.server ?? r.host}/${r.tool!}`;
    bump(agent, 'agent', r.agent ?? '-', denied);
    bump(server, 'server', r.server ?? r.host, denied);
    bump(tool, 'tool', r.tool!, denied);
    link(agent, server, denied);
    link(server, tool, denied);
  }
  return {
    nodes: [...nodes.values()],
    edges: [...edges.values()],
    calls: calls.map((r) => ({
      decision_id: r.decision_id,
      time: r.time,
      server: r.server,
      tool: r.tool,
      outcome: r.outcome,
      reason: r.reason,
      parent_id: r.parent_id,
    })),
  };
}

export const sessionShow = route({
  id: 'sessions.show',
  method: 'GET',
  path: '/api/v1/sessions/{session}',
  role: 'auditor',
  summary: 'A session: identity, budgets used, open exchanges, tool-call graph',
  params: z.object({ session: nameParam }),
  query: z.object({ tenant: nameParam.optional().describe('when session ids repeat across tenants') }),
  response: z.object({
    identity: z.object({ tenant: z.string().nullable(), agent: z.string().nullable(), session: z.string(), human: z.string().nullable() }),
    summary: sessionSchema,
    budgets: z.array(budgetAccountSchema),
    revoked: revocationSchema.nullable(),
    tool_calls: graphSchema,
  }),
  handle: async ({ host, params, query }) => {
    const f: { tenant?: string; session: string } = { session: params.session };
    if (query.tenant !== undefined) f.tenant = query.tenant;
    const rs = await records(host, f, WINDOW);
    const open = host.open().filter((o) => o.session === params.session && (f.tenant === undefined || o.tenant === f.tenant));
    const [s] = summarise(rs, open);
    if (s === undefined) throw new AdminError('not_found', `no session ${params.session} in the recent trail, and none open`);
    const tenant = s.tenant ?? '';
    const budgets =
      host.budgets === null
        ? []
        : [
            ...(await accountsOf(host, { per: 'session', tenant, subject: s.session })),
            ...(s.agent === null ? [] : await accountsOf(host, { per: 'agent', tenant, subject: s.agent })),
            ...(await accountsOf(host, { per: 'tenant', tenant })),
          ];
    const revoked =
      host.revocations
        .list()
        .reverse()
        .find(
          (e) =>
            (e.tenant === null || e.tenant === s.tenant) && ((e.kind === 'session' && e.value === s.session) || (e.kind === 'agent' && e.value === s.agent)),
        ) ?? null;
    return json({
      identity: { tenant: s.tenant, agent: s.agent, session: s.session, human: s.human },
      summary: s,
      budgets,
      revoked: revoked === null ? null : revocationView(revoked),
      tool_calls: toolGraph(rs),
    });
  },
});
