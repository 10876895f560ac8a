/**
 * The OpenAPI 3.1 document of the admin API, generated from the routes' own zod
 * schemas (z.toJSONSchema): request parameters and bodies as the server reads them
 * (`io: 'input'`), answers as the handlers produce them (`io: 'output'`). Schemas
 * given an id (`.meta({ id })`) become shared components.
 *
 * @example
 * const doc = openApiDocument(ROUTES);
 * doc.paths['/api/v1/approvals'].get.operationId; // 'approvals.list'
 */
import * as z from 'zod';
import type { RouteDef } from './route.js';
import { errorSchema } from './schemas.js';

type Json = Record<string, unknown>;

const REF = '#/components/schemas/';

export function openApiDocument(routes: readonly RouteDef[], info: { version: string } = { version: '1' }): Json {
  const components: Record<string, unknown> = {};
  const schema = (s: z.ZodType, io: 'input' | 'output'): Json => {
    const made = z.toJSONSchema(s, { io, target: 'draft-2020-12', unrepresentable: 'any' });
    // Shared schemas come out under $defs; in the document they are components.
    const out = JSON.parse(JSON.stringify(made).replaceAll('"#/$defs/', `"${REF}`)) as Json;
    const defs = out.$defs as Record<string, unknown> | undefined;
    if (defs) for (const [k, v] of Object.entries(defs)) components[k] ??= v;
    delete out.$defs;
    delete out.$schema;
    // A schema that is itself a component answers a reference to it.
    const id = (s.meta() as { id?: string } | undefined)?.id;
    if (id !== undefined) {
      components[id] ??= out;
      return { $ref: `${REF}${id}` };
    }
    return out;
  };
  const errorRef = schema(errorSchema, 'output');
  const error = (description: string): Json => ({ description, content: { 'application/json': { schema: errorRef } } });
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const parameters: Json[] = [];
    for (const [where, s] of [
      ['path', r.params],
      ['query', r.query],
    ] as const) {
      if (s === undefined) continue;
      const obj = schema(s, 'input');
      const props = (obj.properties ?? {}) as Record<string, Json>;
      const required = new Set((obj.required as string[] | undefined) ?? []);
      for (const [name, p] of Object.entries(props)) {
        const { description, ...rest } = p;
        parameters.push({ name, in: where, required: where === 'path' || required.has(name), schema: rest, ...(description ? { description } : {}) });
      }
    }
    const status = String(r.responseStatus ?? 200);
    const responses: Json = {
      [status]: { description: r.summary, content: { [r.mediaType ?? 'application/json']: { schema: schema(r.response, 'output') } } },
    };
    if (r.params || r.query || r.body) responses['400'] = error('the request does not match its schema');
    if (r.role !== null) {
      responses['401'] = error('no operator token, or one that is invalid, expired or revoked');
      responses['403'] = error(`the token's role is below ${r.role}`);
    }
    responses['default'] = error('another refusal or failure (error codes: see the Error schema)');
    const op: Json = {
      operationId: r.id,
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      tags: [r.path.split('/')[3] ?? 'server'],
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(r.body
        ? { requestBody: { required: !r.body.safeParse(undefined).success, content: { 'application/json': { schema: schema(r.body, 'input') } } } }
        : {}),
      responses,
      security: r.role === null ? [] : [{ operatorToken: [] }],
      'x-sluice-role': r.role,
    };
    (paths[r.path] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Sluice admin API',
      version: info.version,
      description:
        'The operator side of the Sluice egress gate, on its own listener. Every route but /healthz and /readyz needs an operator token (sluice operator token) with a role: auditor reads, approver also decides approvals, admin does everything. Every call is recorded in the audit trail (protocol admin).',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      schemas: components,
      securitySchemes: { operatorToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'sluice operator token --name NAME --role ROLE' } },
    },
  };
}
