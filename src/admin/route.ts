/**
 * An admin route as data: method, path template, the least role that may call it, the
 * zod schemas of its path parameters, query, body and answer, and its handler. The
 * server validates requests with these schemas, and openapi.ts documents the API from
 * the same ones, so the document cannot drift from what is enforced.
 *
 * @example
 * export const pinsList = route({
 *   id: 'pins.list', method: 'GET', path: '/api/v1/pins', role: 'auditor', summary: 'Tool pins',
 *   response: z.object({ pins: z.array(pinSchema) }),
 *   handle: async ({ host }) => ({ pins: await host.pins.list() }),
 * });
 */
import type { ServerResponse } from 'node:http';
import type * as z from 'zod';
import type { AdminHost } from './context.js';
import type { OperatorIdentity } from './operator-token.js';
import type { Role } from './roles.js';

export type Method = 'GET' | 'POST' | 'DELETE';

export interface Call<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  readonly operator: OperatorIdentity;
  readonly host: AdminHost;
  /** Aborts when the client goes away. */
  readonly signal: AbortSignal;
}

/** A handler's answer: JSON (validated by `response` in tests), or a stream it writes itself (SSE, metrics text). */
export type Reply = { status?: number; json: unknown } | { raw: (res: ServerResponse, signal: AbortSignal) => void | Promise<void> };

type Obj = z.ZodObject<z.core.$ZodLooseShape>;

export interface RouteDef {
  readonly id: string;
  readonly method: Method;
  /** `/api/v1/approvals/{id}`: `{name}` segments are path parameters. */
  readonly path: string;
  /** The least role that may call it; null: no token needed (/healthz, /readyz). */
  readonly role: Role | null;
  readonly summary: string;
  readonly description?: string;
  readonly params?: Obj;
  readonly query?: Obj;
  readonly body?: z.ZodType;
  /** The JSON answer on success; for a raw reply, its media type and a schema of one event or the text. */
  readonly response: z.ZodType;
  readonly responseStatus?: number;
  readonly mediaType?: string;
  handle(call: Call<unknown, unknown, unknown>): Reply | Promise<Reply>;
}

/** A typed route: the handler sees its parameters, query and body as the schemas output them. */
export function route<P extends Obj | undefined = undefined, Q extends Obj | undefined = undefined, B extends z.ZodType | undefined = undefined>(def: {
  id: string;
  method: Method;
  path: string;
  role: Role | null;
  summary: string;
  description?: string;
  params?: P;
  query?: Q;
  body?: B;
  response: z.ZodType;
  responseStatus?: number;
  mediaType?: string;
  handle(call: Call<Out<P>, Out<Q>, Out<B>>): Reply | Promise<Reply>;
}): RouteDef {
  return def;
}

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/** JSON answer helper. */
export function json(body: unknown, status = 200): Reply {
  return { status, json: body };
}
