import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CredentialError } from '../../src/credentials/errors.js';
import { checkCredential, explainCredential } from '../../src/credentials/forms/index.js';
import type { CredentialSpec } from '../../src/credentials/forms/index.js';
import { injectCredential } from '../../src/credentials/inject.js';
import { placeholderViolations } from '../../src/credentials/inject-placeholder.js';
import type { RequestView } from '../../src/credentials/inject-placeholder.js';
import { findPlaceholders, placeholderFor } from '../../src/credentials/placeholder.js';
import { assertNoCanary, canary, capture, capturedCount, capturedRejection } from './canary.js';

const canaries: string[] = [];
function newCanary(suffix = ''): string {
  const c = canary() + suffix;
  canaries.push(c);
  return c;
}

/** A resolver over a fixed map (the resolver itself is tested in refs.test.ts). */
function resolverOf(values: Record<string, string>): { resolve(ref: string): Buffer } {
  return {
    resolve(ref: string): Buffer {
      const v = values[ref];
      if (v === undefined) throw new CredentialError('credential_unavailable', `secret '${ref}' is not set`);
      return Buffer.from(v);
    },
  };
}

async function* chunks(parts: (string | Buffer)[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield Buffer.from(p);
  await Promise.resolve();
}

async function collect(body: AsyncIterable<Buffer> | undefined): Promise<string> {
  const out: Buffer[] = [];
  for await (const c of body!) out.push(c);
  return Buffer.concat(out).toString();
}

async function inject(view: RequestView, spec: CredentialSpec, values: Record<string, string>, maxBodyBytes?: number) {
  const r = await injectCredential(view, spec, { ...resolverOf(values), maxBodyBytes });
  capture('injection result', r);
  return r;
}

test('header template sets the header and replaces whatever the agent sent, in any case', async () => {
  const v = newCanary('$&$1');
  const view: RequestView = { headers: { Authorization: 'Bearer agent-guess', accept: '*/*' }, path: '/x' };
  const r = await inject(view, { type: 'header', secret: 'gh', header: 'authorization', value: 'token {{secret}} ({{secret}})' }, { gh: v });
  assert.deepEqual(r, { changed: ['authorization'], bodyLengthChanged: false });
  assert.deepEqual(view.headers, { accept: '*/*', authorization: `token ${v} (${v})` }, '$& in a secret stays literal');
});

test('a secret with a line break is refused for headers, naming the secret only', async () => {
  const v = newCanary('\r\nx-evil: 1');
  const view: RequestView = { headers: {}, path: '/' };
  const err = await capturedRejection('crlf', () => inject(view, { type: 'header', secret: 'gh', header: 'x-key', value: '{{secret}}' }, { gh: v }));
  assert.ok(err instanceof CredentialError && err.reason === 'credential_invalid');
  assert.match(err.message, /secret 'gh' contains control characters/);
  assert.deepEqual(view.headers, {});
});

test('basic form: authorization is Basic base64(username:secret)', async () => {
  const v = newCanary();
  const view: RequestView = { headers: { authorization: 'Basic Zm9vOmJhcg==' }, path: '/' };
  const r = await inject(view, { type: 'basic', secret: 's', username: 'api' }, { s: v });
  assert.deepEqual(r.changed, ['authorization']);
  assert.equal(view.headers.authorization, `Basic ${Buffer.from(`api:${v}`).toString('base64')}`);
});

test('query form: sets or replaces the parameter, percent-encodes the value, keeps the other params in order', async () => {
  const v = newCanary(' &=+/?#%é');
  const enc = encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const cases: [string, string][] = [
    ['/v1/x', `/v1/x?api_key=${enc}`],
    ['/v1/x?', `/v1/x?api_key=${enc}`],
    ['/v1/x?a=1&b=%20two', `/v1/x?a=1&b=%20two&api_key=${enc}`],
    ['/v1/x?a=1&api_key=AGENT&b=2&api%5Fkey=AGAIN&c', `/v1/x?a=1&api_key=${enc}&b=2&c`],
    ['/v1/x?api_key&z=9', `/v1/x?api_key=${enc}&z=9`],
    ['/v1/x?api_keyx=1', `/v1/x?api_keyx=1&api_key=${enc}`],
  ];
  for (const [path, want] of cases) {
    const view: RequestView = { headers: {}, path };
    assert.deepEqual((await inject(view, { type: 'query', secret: 'k', param: 'api_key' }, { k: v })).changed, ['query']);
    assert.equal(view.path, want, path);
    const parsed = new URL(`http://h${view.path}`);
    assert.deepEqual(parsed.searchParams.getAll('api_key'), [v]);
  }
});

test('placeholderFor and findPlaceholders agree on what a token is', () => {
  assert.equal(placeholderFor('github'), 'SLUICE_SECRET_github');
  assert.equal(placeholderFor('env:OPENAI_KEY'), 'SLUICE_SECRET_env_OPENAI_KEY');
  assert.equal(placeholderFor('file:./keys/gh.txt'), 'SLUICE_SECRET_file___keys_gh_txt');
  assert.deepEqual(findPlaceholders('a SLUICE_SECRET_gh b SLUICE_SECRET_gh2,SLUICE_SECRET_gh'), ['SLUICE_SECRET_gh', 'SLUICE_SECRET_gh2']);
  assert.deepEqual(findPlaceholders('SLUICE_SECRET_ alone, sluice_secret_x'), []);
});

test('placeholder in headers, query and path is swapped only where listed, URL parts percent-encoded', async () => {
  const v = newCanary('/&');
  const enc = encodeURIComponent(v);
  const ph = 'SLUICE_SECRET_gh';
  const view: RequestView = {
    headers: { 'x-token': `Bearer ${ph}`, cookie: ['a=1', `t=${ph}`] },
    path: `/repos/${ph}/x?q=${ph}&z=1`,
  };
  const r = await inject(view, { type: 'placeholder', secret: 'gh', placeholder: 'SLUICE_SECRET_gh', in: ['headers', 'query', 'path'] }, { gh: v });
  assert.deepEqual(r, { changed: ['x-token', 'cookie', 'path', 'query'], bodyLengthChanged: false });
  assert.equal(view.headers['x-token'], `Bearer ${v}`);
  assert.deepEqual(view.headers.cookie, ['a=1', `t=${v}`]);
  assert.equal(view.path, `/repos/${enc}/x?q=${enc}&z=1`);
});

test("a placeholder outside the listed places, or another secret's, is refused before anything is injected", async () => {
  const v = newCanary();
  const cases: [RequestView, RegExp][] = [
    [{ headers: {}, path: '/a?q=SLUICE_SECRET_gh' }, /placeholder 'SLUICE_SECRET_gh' in its query/],
    [{ headers: { 'x-a': 'SLUICE_SECRET_other' }, path: '/' }, /placeholder 'SLUICE_SECRET_other' in its header 'x-a'/],
    [{ headers: { 'x-a': 'SLUICE_SECRET_gh2' }, path: '/' }, /'SLUICE_SECRET_gh2'/],
    [{ headers: { host: 'SLUICE_SECRET_gh.evil.example' }, path: '/' }, /'SLUICE_SECRET_gh\.evil\.example' in its header 'host'/],
    [{ headers: { Host: 'SLUICE_SECRET_gh' }, path: '/' }, /in its header 'host'/],
  ];
  for (const [view, re] of cases) {
    const before = JSON.stringify(view);
    const err = await capturedRejection('violation', () =>
      inject(view, { type: 'placeholder', secret: 'gh', placeholder: 'SLUICE_SECRET_gh', in: ['headers'] }, { gh: v }),
    );
    assert.ok(err instanceof CredentialError && err.reason === 'placeholder_not_allowed');
    assert.match(err.message, re);
    assert.equal(JSON.stringify(view), before, 'request untouched');
  }
  // Header/basic/query forms swap nothing, so any placeholder is refused.
  const view: RequestView = { headers: { 'x-a': 'SLUICE_SECRET_gh' }, path: '/' };
  const err = await capturedRejection('header-form violation', () =>
    inject(view, { type: 'header', secret: 'gh', header: 'authorization', value: '{{secret}}' }, { gh: v }),
  );
  assert.match(err.message, /SLUICE_SECRET_gh/);
  // The proxy's check for rules with no credential:
  assert.deepEqual(placeholderViolations({ headers: {}, path: '/p/SLUICE_SECRET_x' }), [{ where: 'path', token: 'SLUICE_SECRET_x' }]);
  assert.deepEqual(placeholderViolations({ headers: {}, path: '/p/x?SLUICE_SECRET_x' }, { placeholder: 'SLUICE_SECRET_x', in: ['query'] }), []);
});

test('body placeholder: swapped across every chunk split, content-length dropped, JSON-escaped for JSON', async () => {
  const v = newCanary('"\\');
  const ph = 'SLUICE_SECRET_gh';
  const body = `{"token":"${ph}","again":"${ph}","other":"SLUICE_SECRET_ghx-not"}`.replace('SLUICE_SECRET_ghx-not', 'plain');
  const want = body.split(ph).join(JSON.stringify(v).slice(1, -1));
  for (let a = 0; a <= body.length; a++) {
    for (const b of [a, Math.min(body.length, a + 1), Math.min(body.length, a + 7)]) {
      const view: RequestView = {
        headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': String(body.length) },
        path: '/',
        body: chunks([body.slice(0, a), body.slice(a, b), body.slice(b)]),
      };
      const r = await inject(view, { type: 'placeholder', secret: 'gh', placeholder: 'SLUICE_SECRET_gh', in: ['body'] }, { gh: v });
      assert.deepEqual(r, { changed: ['body'], bodyLengthChanged: true });
      assert.equal(view.headers['content-length'], undefined);
      const out = await collect(view.body);
      assert.equal(out, want, `split at ${a},${b}`);
      assert.deepEqual(JSON.parse(out), { token: v, again: v, other: 'plain' });
    }
  }
});

test('body placeholder one byte per chunk: a longer token aborts the body; form and raw encodings', async () => {
  const v = newCanary(' &');
  const ph = 'SLUICE_SECRET_gh';
  const body = `a=${ph}&b=SLUICE_SECRET_gh.more&c=SLUICE_SECRE&d=${ph}`;
  const run = async (ct: string, rejectOthersExpected: boolean): Promise<string | Error> => {
    const view: RequestView = { headers: { 'content-type': ct }, path: '/', body: chunks([...body].map((c) => c)) };
    await inject(view, { type: 'placeholder', secret: 'gh', placeholder: 'SLUICE_SECRET_gh', in: ['body'] }, { gh: v });
    try {
      return await collect(view.body);
    } catch (err) {
      assert.ok(rejectOthersExpected);
      capture('body violation', err);
      return err as Error;
    }
  };
  // SLUICE_SECRET_gh.more is another token: the body stream fails, aborting the upstream request.
  const err = await run('application/x-www-form-urlencoded', true);
  assert.ok(err instanceof CredentialError && err.reason === 'placeholder_not_allowed');
  assert.match(err.message, /'SLUICE_SECRET_gh\.more'/);

  const clean = `a=${ph}&c=SLUICE_SECRE&d=${ph}`;
  for (const [ct, enc] of [
    ['application/x-www-form-urlencoded', encodeURIComponent(v)],
    ['text/plain', v],
  ] as const) {
    const view: RequestView = { headers: { 'content-type': ct }, path: '/', body: chunks([...clean]) };
    await inject(view, { type: 'placeholder', secret: 'gh', placeholder: 'SLUICE_SECRET_gh', in: ['body'] }, { gh: v });
    assert.equal(await collect(view.body), clean.split(ph).join(enc));
  }
});

test('body cap: a token straddling maxBodyBytes is still swapped; later ones pass unchanged', async () => {
  const v = newCanary();
  const ph = 'SLUICE_SECRET_gh';
  const cap = 100;
  const pre = 'x'.repeat(cap - 5); // the token starts 5 bytes before the cap
  const body = `${pre}${ph}|${'y'.repeat(50)}${ph}|`;
  for (let split = 1; split < body.length; split += 3) {
    const view: RequestView = { headers: {}, path: '/', body: chunks([body.slice(0, split), body.slice(split)]) };
    await inject(view, { type: 'placeholder', secret: 'gh', placeholder: 'SLUICE_SECRET_gh', in: ['body'] }, { gh: v }, cap);
    assert.equal(await collect(view.body), `${pre}${v}|${'y'.repeat(50)}${ph}|`, `split ${split}`);
  }
});

test('header/basic/query forms still guard the body: a placeholder there aborts the stream', async () => {
  const v = newCanary();
  const view: RequestView = { headers: { 'content-length': '30' }, path: '/', body: chunks(['{"x":"SLUICE_', 'SECRET_gh"}']) };
  const r = await inject(view, { type: 'header', secret: 'gh', header: 'authorization', value: 'Bearer {{secret}}' }, { gh: v });
  assert.equal(r.bodyLengthChanged, false);
  assert.equal(view.headers['content-length'], '30');
  const err = await capturedRejection('guarded body', () => collect(view.body));
  assert.ok(err instanceof CredentialError && err.reason === 'placeholder_not_allowed');
  // A body without placeholders passes byte for byte.
  const ok: RequestView = { headers: {}, path: '/', body: chunks(['SLUICE_SEC', 'RET', ' and more SLUICE_']) };
  await inject(ok, { type: 'query', secret: 'gh', param: 'k' }, { gh: v });
  assert.equal(await collect(ok.body), 'SLUICE_SECRET and more SLUICE_');
});

test('specs are checked, described by reference, and a missing secret names the reference', async () => {
  assert.match(checkCredential({ type: 'header', secret: 'gh', header: 'authorization', value: 'Bearer' }) ?? '', /\{\{secret\}\}/);
  assert.match(checkCredential({ type: 'header', secret: 'gh', header: 'host', value: '{{secret}}' }) ?? '', /set by the gate/);
  assert.match(checkCredential({ type: 'basic', secret: 'gh', username: 'a:b' }) ?? '', /':'/);
  assert.match(checkCredential({ type: 'placeholder', secret: 'gh', placeholder: 'SLUICE_SECRET_gh', in: [] }) ?? '', /at least one/);
  assert.match(checkCredential({ type: 'query', secret: 'a b', param: 'k' }) ?? '', /^secret: expected a secret name/);
  assert.equal(checkCredential({ type: 'placeholder', secret: 'env:K', placeholder: 'SLUICE_SECRET_env_K', in: ['body'] }), undefined);
  assert.equal(
    explainCredential({ type: 'placeholder', secret: 'gh', placeholder: 'SLUICE_SECRET_gh', in: ['headers', 'body'] }),
    'secret gh swapped for SLUICE_SECRET_gh in headers, body',
  );
  // The injector runs the same check, before it reads the secret or touches the request.
  const view: RequestView = { headers: { host: 'h' }, path: '/' };
  const bad = await capturedRejection('bad spec', () => inject(view, { type: 'header', secret: 'gh', header: 'host', value: '{{secret}}' }, {}));
  assert.ok(bad instanceof CredentialError && bad.reason === 'credential_invalid');
  assert.match(bad.message, /^credential for secret 'gh': header: 'host' is set by the gate/);
  assert.deepEqual(view.headers, { host: 'h' });
  const err = await capturedRejection('missing', () => inject({ headers: {}, path: '/' }, { type: 'query', secret: 'gone', param: 'k' }, {}));
  assert.equal(err.message, "secret 'gone' is not set");
});

test('a header name in capitals is set in lower case, and the compiled placeholder token is the one swapped', async () => {
  const v = newCanary();
  const h: RequestView = { headers: {}, path: '/?a=1' };
  await inject(h, { type: 'header', secret: 'gh', header: 'X-Key', value: 'k={{secret}}' }, { gh: v });
  assert.deepEqual(h.headers, { 'x-key': `k=${v}` });
  const b: RequestView = { headers: {}, path: '/' };
  await inject(b, { type: 'basic', secret: 'gh', username: 'u' }, { gh: v });
  assert.equal(b.headers.authorization, `Basic ${Buffer.from(`u:${v}`).toString('base64')}`);
  const q: RequestView = { headers: {}, path: '/?a=1' };
  await inject(q, { type: 'query', secret: 'gh', param: 'key' }, { gh: v });
  assert.equal(q.path, `/?a=1&key=${v}`);
  const p: RequestView = { headers: { 'x-t': 'SLUICE_SECRET_env_GH_TOKEN' }, path: '/' };
  await inject(p, { type: 'placeholder', secret: 'env:GH_TOKEN', placeholder: 'SLUICE_SECRET_env_GH_TOKEN', in: ['headers'] }, { 'env:GH_TOKEN': v });
  assert.equal(p.headers['x-t'], v);
  // ...and then the brief's own spelling of that token is "another" placeholder.
  const other: RequestView = { headers: { 'x-t': 'SLUICE_SECRET_GH_TOKEN' }, path: '/' };
  const err = await capturedRejection('compiled placeholder', () =>
    inject(other, { type: 'placeholder', secret: 'env:GH_TOKEN', placeholder: 'SLUICE_SECRET_env_GH_TOKEN', in: ['headers'] }, { 'env:GH_TOKEN': v }),
  );
  assert.ok(err instanceof CredentialError && err.reason === 'placeholder_not_allowed');
});

test('no captured output contains a canary', () => {
  assert.ok(capturedCount() > 20);
  assertNoCanary(canaries);
});
