/**
 * Every admin route, in one list: the server routes from it, the OpenAPI document is
 * generated from it, and the tests walk it (so a route added here is refused without
 * a token, documented, and checked by role without anyone remembering to).
 *
 * @example
 * for (const r of ROUTES) console.log(r.method, r.path, r.role);
 */
import * as z from 'zod';
import { openApiDocument } from '../openapi.js';
import { json, route, type RouteDef } from '../route.js';
import { approvalsApprove, approvalsDeny, approvalsList, approvalsShow } from './approvals.js';
import { budgetsRaise, budgetsShow } from './budgets.js';
import { decisionsSearch, decisionsStream } from './decisions.js';
import { healthz, metrics, readyz } from './meta.js';
import { pinsList } from './pins.js';
import { policyCurrent, policyHistory, policyReplay, policyValidate } from './policy.js';
import { revocationsCreate, revocationsList } from './revoke.js';
import { sessionShow, sessionsList } from './sessions.js';
import { sloShow } from './slo.js';
import { killSet, killShow, quarantinesAdd, quarantinesLift, quarantinesList } from './stops.js';

const openapi = route({
  id: 'openapi',
  method: 'GET',
  path: '/api/v1/openapi.json',
  role: 'auditor',
  summary: 'This document (OpenAPI 3.1), generated from the schemas that validate every call',
  response: z.object({ openapi: z.string(), info: z.object({ title: z.string(), version: z.string() }), paths: z.record(z.string(), z.unknown()) }).loose(),
  handle: () => json(document()),
});

export const ROUTES: readonly RouteDef[] = [
  healthz,
  readyz,
  metrics,
  openapi,
  decisionsSearch,
  decisionsStream,
  sessionsList,
  sessionShow,
  sloShow,
  approvalsList,
  approvalsShow,
  approvalsApprove,
  approvalsDeny,
  revocationsList,
  revocationsCreate,
  killShow,
  killSet,
  quarantinesList,
  quarantinesAdd,
  quarantinesLift,
  budgetsShow,
  budgetsRaise,
  policyCurrent,
  policyHistory,
  policyValidate,
  policyReplay,
  pinsList,
];

let doc: Record<string, unknown> | null = null;

/** The document, built once (the routes do not change while the process runs). */
export function document(): Record<string, unknown> {
  doc ??= openApiDocument(ROUTES);
  return doc;
}
