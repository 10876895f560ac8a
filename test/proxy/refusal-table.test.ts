import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode } from '../../src/errors.js';
import { IdentityError } from '../../src/identity/errors.js';
import { jsonRpcDeny } from '../../src/inspect/mcp/jsonrpc.js';
import { mapFailure, Rejection } from '../../src/proxy/errors-map.js';
import { ResponseBlockedError } from '../../src/proxy/response-inspector.js';
import { isRefusalCode, jsonRpcCodeFor, REFUSALS, refusalOfSluiceCode, type RefusalCode } from '../../src/refusals.js';

const SRC = fileURLToPath(new URL('../../../src', import.meta.url));
const CODES = Object.keys(REFUSALS) as RefusalCode[];

test('every refusal has a 4xx/5xx status, a published SLUICE_ code of its own and a JSON-RPC server error code', () => {
  const published = new Set<string>(Object.values(ErrorCode));
  const seen = new Map<string, string>();
  for (const code of CODES) {
    const spec = REFUSALS[code];
    assert.match(code, /^[a-z][a-z0-9_]*$/, code);
    assert.ok(Number.isInteger(spec.status) && spec.status >= 400 && spec.status <= 599, `${code}: ${spec.status}`);
    assert.match(spec.sluice, /^SLUICE_[A-Z0-9_]+$/, code);
    assert.ok(published.has(spec.sluice), `${code}: ${spec.sluice} is not in ErrorCode`);
    assert.equal(seen.get(spec.sluice), undefined, `${code} and ${seen.get(spec.sluice)} share ${spec.sluice}`);
    seen.set(spec.sluice, code);
    assert.equal(refusalOfSluiceCode(spec.sluice), code);
    // JSON-RPC 2.0 reserves -32768..-32000 for the protocol and server errors.
    assert.ok(Number.isInteger(spec.jsonRpc) && spec.jsonRpc >= -32768 && spec.jsonRpc <= -32000, `${code}: ${spec.jsonRpc}`);
    // A failure is something that broke (5xx, or the agent leaving); a refusal is the gate saying no.
    if (spec.failure) assert.ok(spec.status >= 499, `${code} is a failure with ${spec.status}`);
  }
  assert.equal(refusalOfSluiceCode(ErrorCode.CONFIG_INVALID), null);
});

test('the governance refusals are in the table: 428 for an approval, 429 for budgets and rate limits', () => {
  assert.equal(REFUSALS.human_approval_required.status, 428);
  assert.equal(REFUSALS.budget_exhausted.status, 429);
  assert.equal(REFUSALS.rate_limited.status, 429);
});

test('one status per refusal: an encoding the gate cannot decode is 415, an unsupported function (an Upgrade) is 501 (RFC 9110)', () => {
  assert.equal(new Rejection('unsupported_encoding', 'x').status, 415);
  assert.equal(new Rejection('unsupported', 'x').status, 501);
  assert.equal(new ResponseBlockedError('response_unreadable', 'x', []).status, 403);
  assert.equal(new ResponseBlockedError('response_corrupt', 'x', []).status, 502);
});

test('mapFailure takes every status from the table, and names an upstream failure by a Sluice code only', () => {
  for (const code of CODES) {
    const f = mapFailure(new Rejection(code, 'why'));
    assert.equal(f.status, REFUSALS[code].status, code);
    assert.equal(f.error, code);
  }
  for (const reason of ['identity_required', 'identity_invalid', 'identity_expired', 'identity_revoked'] as const) {
    const f = mapFailure(new IdentityError(reason, 'x'));
    assert.equal(f.status, REFUSALS[reason].status, reason);
    assert.equal(f.code, REFUSALS[reason].sluice);
  }
  for (const raw of [
    'ECONNREFUSED',
    'ECONNRESET',
    'UND_ERR_CONNECT_TIMEOUT',
    'UND_ERR_HEADERS_TIMEOUT',
    'UND_ERR_SOCKET',
    'EPIPE',
    'CERT_HAS_EXPIRED',
    'ERR_SOMETHING_NEW',
  ]) {
    const f = mapFailure(Object.assign(new Error('boom'), { code: raw }));
    assert.equal(f.outcome, 'error', raw);
    assert.ok(isRefusalCode(f.error), `${raw} became ${f.error}`);
    assert.equal(f.status, REFUSALS[f.error].status);
    // The raw code is kept for the log line, and the agent never reads the error's own message.
    assert.equal(f.code, raw);
    assert.ok(!f.reason.includes('boom'), f.reason);
  }
});

test("a JSON-RPC refusal carries the table code; a message that is not JSON-RPC gets JSON-RPC's own", () => {
  assert.equal(jsonRpcDeny(1, { error: 'policy_denied', reason: 'r', rule: null, decision_id: 'd' }).error.code, -32001);
  assert.equal(jsonRpcDeny(1, { error: 'mcp_invalid_call', reason: 'r', rule: null, decision_id: 'd' }).error.code, -32602);
  assert.equal(jsonRpcCodeFor('jsonrpc_unreadable'), -32001);
  assert.equal(jsonRpcCodeFor('jsonrpc_unreadable', 'parse'), -32700);
  assert.equal(jsonRpcCodeFor('mcp_invalid_message', 'invalid'), -32600);
});

test('types: a refusal code outside the table does not compile', () => {
  // @ts-expect-error: not in the refusal table
  const bad = (): Rejection => new Rejection('not_in_the_table', 'x');
  // @ts-expect-error: the status comes from the table, never from the throw site
  const old = (): Rejection => new Rejection(403, 'policy_denied', 'x');
  assert.equal(typeof bad, 'function');
  assert.equal(typeof old, 'function');
});

/** Every `.ts` file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

test('every refusal code named at a throw site in src/ is in the table', () => {
  // The first argument of the refusal errors (both sides of a ternary), and the `error` of a JSON-RPC refusal.
  const sites = [
    /new (?:Rejection|ResponseBlockedError|IdentityError)\(\s*([^,]+),/g,
    /(?:jsonRpcDeny|a2aJsonRpcDeny|jsonRpcError)\([^)]*?\{ error: ('[^']*')/g,
  ];
  const named = new Map<string, string>();
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const re of sites) {
      for (const m of text.matchAll(re)) {
        for (const lit of m[1]!.matchAll(/'([^']*)'/g)) named.set(lit[1]!, file);
        assert.doesNotMatch(m[1]!, /^\s*\d/, `${file}: a status number at a throw site`);
      }
    }
  }
  assert.ok(named.size >= 20, `the scan found only ${named.size} codes: is the pattern stale?`);
  for (const [code, file] of named) assert.ok(isRefusalCode(code), `${file} throws '${code}', which is not in src/refusals.ts`);
});
