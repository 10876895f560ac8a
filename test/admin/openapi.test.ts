/**
 * The OpenAPI document is generated from the routes' own schemas: every route in the
 * router is in it (method and path) and every operation in it is a route; every
 * reference resolves; guarded operations name the bearer scheme and their role.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROUTES, document } from '../../src/admin/routes/index.js';

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { operationId: string; security: unknown[]; 'x-sluice-role': string | null; responses: Record<string, unknown> }>>;
  components: { schemas: Record<string, unknown> };
};

test('every route is documented and every documented operation is a route', () => {
  const doc = document() as unknown as Doc;
  assert.equal(doc.openapi, '3.1.0');
  const documented = new Set<string>();
  for (const [path, ops] of Object.entries(doc.paths)) for (const method of Object.keys(ops)) documented.add(`${method.toUpperCase()} ${path}`);
  const routed = new Set(ROUTES.map((r) => `${r.method} ${r.path}`));
  assert.deepEqual([...documented].sort(), [...routed].sort());
  assert.equal(routed.size, ROUTES.length, 'two routes share a method and path');
  assert.equal(new Set(ROUTES.map((r) => r.id)).size, ROUTES.length, 'two routes share an id');
  for (const r of ROUTES) {
    const op = doc.paths[r.path]![r.method.toLowerCase()]!;
    assert.equal(op.operationId, r.id);
    assert.equal(op['x-sluice-role'], r.role);
    assert.equal(op.security.length, r.role === null ? 0 : 1, r.id);
    if (r.role !== null) assert.ok(op.responses['401'] && op.responses['403'], r.id);
  }
});

test('every $ref resolves to a component', () => {
  const doc = document() as unknown as Doc;
  const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
  assert.ok(refs.length > 10);
  for (const ref of refs) {
    const m = /^#\/components\/schemas\/(.+)$/.exec(ref);
    assert.ok(m, `a reference outside the components: ${ref}`);
    assert.ok(Object.hasOwn(doc.components.schemas, m[1]!), `unresolved ${ref}`);
  }
});
