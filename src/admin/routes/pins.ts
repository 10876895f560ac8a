/**
 * MCP tool pins (the rug-pull guard's memory, `sluice mcp pins`): what each server's
 * tools were pinned to, and the changed definitions waiting for an operator.
 *
 * @example
 * curl -H "Authorization: Bearer $OP" 'http://127.0.0.1:9090/api/v1/pins?server=tickets'
 */
import * as z from 'zod';
import { json, route } from '../route.js';
import { ms, nameParam } from '../schemas.js';

const pinSchema = z
  .object({
    tenant: z.string(),
    server: z.string(),
    tool: z.string(),
    hash: z.string().nullable(),
    first_seen: z.string().nullable(),
    accepted_at: z.string().nullable(),
    pending: z.object({ hash: z.string(), seen_at: z.string() }).nullable().describe('a changed definition waiting for an operator'),
  })
  .meta({ id: 'ToolPin' });

export const pinsList = route({
  id: 'pins.list',
  method: 'GET',
  path: '/api/v1/pins',
  role: 'auditor',
  summary: 'MCP tool pins, and changed definitions waiting for an operator',
  query: z.object({ server: nameParam.optional() }),
  response: z.object({ pins: z.array(pinSchema) }),
  handle: async ({ host, query }) =>
    json({
      pins: (await host.pins.list(query.server)).map((p) => ({
        tenant: p.tenant,
        server: p.server,
        tool: p.tool,
        hash: p.hash,
        first_seen: ms(p.firstSeen),
        accepted_at: ms(p.acceptedAt),
        pending: p.pending === null ? null : { hash: p.pending.hash, seen_at: ms(p.pending.seenAt)! },
      })),
    }),
});
