import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { HTTP_STEPS, place } from '../../src/proxy/pipeline/index.js';
import { exec } from '../helpers/exec.js';
import { startTestGate, type TestGate } from '../helpers/gate.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

const EXAMPLE = fileURLToPath(new URL('../../../examples/middleware/tag-tickets.js', import.meta.url));

/** Steps written for the test: each shows one way an operator's step may behave. */
const STEPS: Record<string, string> = {
  // Placed before decide: it must see no decision yet; it tags the request with what it saw.
  'saw-before.js': `export default async (view, next) => { view.setHeader('x-saw-before', view.decision === null ? 'no-decision' : view.decision.rule); await next(); };`,
  'saw-after.js': `export default async (view, next) => {
    view.setHeader('x-saw-after', view.decision ? view.decision.rule : 'no-decision');
    view.setHeader('x-saw-token', String(view.request.header('proxy-authorization')));
    await next();
  };`,
  'throws.js': `export default async (view, next) => { if (view.request.target.startsWith('/throw')) throw new Error('boom'); await next(); };`,
  'hangs.js': `export default (view, next) => view.request.target.startsWith('/hang') ? new Promise(() => {}) : next();`,
  'drops.js': `export default async (view, next) => { if (view.request.target.startsWith('/drop')) return; await next(); };`,
  'forbidden.js': `export default async (view, next) => { if (view.request.target.startsWith('/auth')) view.setHeader('authorization', 'Bearer mine'); await next(); };`,
};

describe('operators\u2019 own pipeline steps (config middleware:)', () => {
  let up: Upstream;
  let g: TestGate;
  let human: string;
  let dir: string;

  before(async () => {
    up = await startUpstream({ names: ['tickets.acme.test'] });
    g = await startTestGate('');
    dir = join(g.dir, 'steps');
    await mkdir(dir);
    for (const [name, code] of Object.entries(STEPS)) await writeFile(join(dir, name), code);
    await writeFile(g.configFile, config(up.port, dir));
    const r = await g.gate.reload(await loadConfig(g.configFile));
    assert.equal(r.ok, true, r.ok ? '' : r.error.message);
    human = await g.mint({ agent: 'ticket-bot', human: 'alice@acme.test' });
  });
  after(async () => {
    await g.close();
    await up.close();
  });

  async function curl(token: string, path: string, method = 'POST'): Promise<{ status: number; body: string }> {
    const proxy = g.url.replace('http://', `http://sluice:${token}@`);
    const r = await exec('curl', ['-sS', '--proxy', proxy, '-X', method, '-o', '-', '-w', '\n%{http_code}', `http://tickets.acme.test:${up.port}${path}`]);
    assert.equal(r.code, 0, r.stderr);
    const cut = r.stdout.lastIndexOf('\n');
    return { status: Number(r.stdout.slice(cut + 1)), body: r.stdout.slice(0, cut) };
  }

  test('each step runs where it is placed: before decide it sees no decision, after it the rule; the example tags the ticket', async () => {
    const seen = up.seen.length;
    const r = await curl(human, '/api/tickets');
    assert.equal(r.status, 200, r.body);
    const arrived = up.seen[seen]!;
    assert.equal(arrived.headers['x-saw-before'], 'no-decision');
    assert.equal(arrived.headers['x-saw-after'], 'tickets-create');
    assert.equal(arrived.headers['x-created-by-agent'], 'acme/ticket-bot');
    // The view never shows the agent's token.
    assert.equal(arrived.headers['x-saw-token'], 'undefined');
    const rec = g.audit.records.at(-1)!;
    assert.equal(rec.outcome, 'allow');
    assert.ok(rec.rewritten?.includes('x-created-by-agent'), JSON.stringify(rec.rewritten));
  });

  test('a step refuses with a code from the refusal table: the deny contract names the step, nothing reaches the upstream', async () => {
    const seen = up.seen.length;
    const r = await curl(g.token, '/api/tickets?priority=p0');
    assert.equal(r.status, 403, r.body);
    const body = JSON.parse(r.body) as { error: string; rule: string; reason: string };
    assert.equal(body.error, 'policy_denied');
    assert.equal(body.rule, 'middleware:tag-tickets');
    assert.match(body.reason, /needs a human/);
    assert.equal(up.seen.length, seen);
    assert.equal(g.audit.records.at(-1)!.outcome, 'deny');
    // With a human behind the token, the same ticket goes.
    assert.equal((await curl(human, '/api/tickets?priority=p0')).status, 200);
  });

  for (const [path, why] of [
    ['/throw', /step middleware:throws failed: boom/],
    ['/hang', /did not pass the exchange on within 200 ms/],
    ['/drop', /ended the exchange without passing it on or refusing it/],
    ['/auth', /may not set header 'authorization'/],
  ] as const) {
    test(`a step that fails fails closed: ${path.slice(1)} is refused 500 step_failed, nothing reaches the upstream`, async () => {
      const seen = up.seen.length;
      const r = await curl(g.token, `${path}/x`, 'GET');
      assert.equal(r.status, 500, r.body);
      const body = JSON.parse(r.body) as { error: string; reason: string };
      assert.equal(body.error, 'step_failed');
      assert.match(body.reason, why);
      assert.equal(up.seen.length, seen);
      const rec = g.audit.records.at(-1)!;
      assert.equal(rec.outcome, 'error');
      assert.equal(rec.reason, 'step_failed');
    });
  }

  test('a reload loads a changed step afresh; a step placed by a name the pipeline does not have refuses the load', async () => {
    await writeFile(join(dir, 'saw-after.js'), `export default async (view, next) => { view.setHeader('x-saw-after', 'version-2'); await next(); };`);
    await writeFile(g.configFile, config(up.port, dir) + '\n');
    const r = await g.gate.reload(await loadConfig(g.configFile));
    assert.equal(r.ok, true, r.ok ? '' : r.error.message);
    const seen = up.seen.length;
    assert.equal((await curl(human, '/api/tickets')).status, 200);
    assert.equal(up.seen[seen]!.headers['x-saw-after'], 'version-2');

    await writeFile(g.configFile, config(up.port, dir).replace('before: decide', 'before: nowhere'));
    const bad = await g.gate.reload(await loadConfig(g.configFile));
    assert.equal(bad.ok, false);
    assert.match(bad.ok ? '' : bad.error.message, /'nowhere' is not a step it can be placed by; steps are: identify, classify/);
    // The old config keeps serving.
    assert.equal((await curl(human, '/api/tickets')).status, 200);
  });

  test('steps are placed in config order after their anchor; an anchor a list lacks leaves the step out of that list', () => {
    const op = (name: string, spec: { after?: string; before?: string }) => ({
      spec: { module: name, timeout_ms: 1000, ...spec },
      step: { name, run: (_x: unknown, next: () => Promise<void>) => next() },
    });
    const names = place(HTTP_STEPS, [
      op('middleware:a', { after: 'decide' }),
      op('middleware:b', { after: 'decide' }),
      op('middleware:c', { before: 'send' }),
      op('middleware:d', { after: 'relay' }),
    ]).map((s) => s.name);
    const at = names.indexOf('decide');
    assert.deepEqual(names.slice(at, at + 4), ['decide', 'middleware:a', 'middleware:b', 'hold']);
    assert.deepEqual(names.slice(-2), ['middleware:c', 'send']);
    assert.ok(!names.includes('middleware:d'));
  });
});

function config(port: number, dir: string): string {
  return `version: 1
listen: 127.0.0.1:0
dns:
  hosts:
    tickets.acme.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
middleware:
  - module: ${join(dir, 'saw-before.js')}
    before: decide
  - module: ${join(dir, 'saw-after.js')}
  - module: ${EXAMPLE}
    after: decide
  - module: ${join(dir, 'throws.js')}
  - module: ${join(dir, 'hangs.js')}
    timeout_ms: 200
  - module: ${join(dir, 'drops.js')}
  - module: ${join(dir, 'forbidden.js')}
rules:
  - id: tickets-create
    intent: ticket.create
    hosts: [tickets.acme.test]
    methods: [POST]
    paths: ["/api/tickets"]
  - id: tickets-other
    hosts: [tickets.acme.test]
`;
}
