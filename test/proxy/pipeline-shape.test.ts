import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { CONNECT_STEPS, HTTP_STEPS, WEBSOCKET_STEPS } from '../../src/proxy/pipeline/index.js';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

async function sources(dir = SRC): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sources(p)));
    else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** Code without comments, so a sentence about `decide(` in a comment does not count. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

test('each transport states its steps once, in order, with one decide and one govern step', () => {
  for (const [name, list] of [
    ['http', HTTP_STEPS],
    ['websocket', WEBSOCKET_STEPS],
    ['connect', CONNECT_STEPS],
  ] as const) {
    const names = list.map((s) => s.name);
    assert.deepEqual(names.slice(0, 2), ['record', 'refuse'], `${name}: the record and the error boundary come first`);
    assert.equal(names.filter((n) => n === 'decide').length, 1, `${name}: one decide step`);
    assert.equal(names.filter((n) => n === 'govern').length, 1, `${name}: one govern step`);
    assert.ok(names.indexOf('decide') < names.indexOf('govern'), `${name}: govern after decide`);
    assert.equal(new Set(names).size, names.length, `${name}: no step twice`);
  }
  for (const [name, list] of [
    ['http', HTTP_STEPS],
    ['websocket', WEBSOCKET_STEPS],
    ['connect', CONNECT_STEPS],
  ] as const) {
    const names = list.map((s) => s.name);
    // The operator's stops (kill, quarantine) need who and where, and come before the policy and before anything is held.
    const at = names.indexOf('stop');
    assert.equal(names.filter((n) => n === 'stop').length, 1, `${name}: one stop step`);
    assert.ok(at > names.indexOf('identify') && at > Math.max(names.indexOf('classify'), names.indexOf('connect-target')), `${name}: stop after who and where`);
    assert.ok(at < names.indexOf('decide') && at < names.indexOf('hold') && at < names.indexOf('host-checks'), `${name}: stop before policy and hold`);
  }
  const http = HTTP_STEPS.map((s) => s.name);
  // DESIGN.md's order: inspect out, govern, inject (no credential before governance has said yes).
  assert.ok(http.indexOf('inspect-out') < http.indexOf('govern') && http.indexOf('govern') < http.indexOf('inject'));
});

test('the policy is called from one step, and only the listeners read the gate’s current state', async () => {
  const decideCallers: string[] = [];
  const stateReaders: string[] = [];
  for (const file of await sources()) {
    const rel = relative(SRC, file);
    const text = code(await readFile(file, 'utf8'));
    if (rel.startsWith('proxy/') && /from '[./]*policy\/decide\.js'/.test(text)) decideCallers.push(rel);
    if (/\.state\(\)/.test(text) && rel !== 'proxy/gate.ts') stateReaders.push(rel);
  }
  assert.deepEqual(decideCallers, ['proxy/pipeline/decide.ts']);
  // The three listeners take one snapshot per exchange; overload.ts answers before any exchange exists.
  assert.deepEqual(stateReaders.sort(), ['proxy/handle-connect.ts', 'proxy/handle-request.ts', 'proxy/overload.ts', 'proxy/websocket/handle-upgrade.ts']);
});
