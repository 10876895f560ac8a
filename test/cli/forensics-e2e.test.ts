/**
 * Issue #18, forensics mode: `sluice forensics start --session S` against a gate from
 * `sluice start`; curl through the gate (plain HTTP with a secret-shaped canary in the
 * body, intercepted HTTPS through a rule that injects a credential the upstream echoes
 * back); `sluice forensics show S` has the exchanges, and neither the canary nor the
 * injected credential is anywhere under the data directory's forensics folder. Another
 * session is not kept, nor S after `stop`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ForensicsExchange } from '../../src/proxy/forensics-capture.js';
import { initDir, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { waitFor } from '../helpers/cli-e2e.js';
import { exec } from '../helpers/exec.js';
import { upstreamPki } from '../helpers/pki.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

/** An AWS access key id shape: what the DLP scanner knows a secret by. */
const CANARY = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
/** The injected credential's value. */
const CRED = `cred-${randomBytes(16).toString('hex')}`;
/** A session cookie the agent sends: no DLP pattern knows it, its header name does. */
const COOKIE = `sid-${randomBytes(16).toString('hex')}`;

describe('sluice forensics: a session kept in full, redacted', () => {
  let plain: Upstream;
  let tls: Upstream;
  let d: InitDir;
  let gate: CliGate | undefined;
  const tokens: Record<string, string> = {};

  before(async () => {
    const pki = await upstreamPki();
    plain = await startUpstream();
    tls = await startUpstream({ tls: true, names: ['files.upstream.test'] });
    d = await initDir(`  - id: api
    hosts: [api.upstream.test]
    inspect: { dlp: warn }
  - id: files
    hosts: [files.upstream.test]
    credential:
      secret: files_token
      header: authorization
      value: "Bearer {{secret}}"
dns:
  hosts:
    api.upstream.test: 127.0.0.1
    files.upstream.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
tls:
  upstream_ca: ${pki.caFile}
`);
    const set = await sluice(['secret', 'set', 'files_token', '--config', d.configFile], { input: `${CRED}\n` });
    assert.equal(set.code, 0, set.stderr);
    gate = await startCliGate(d.configFile);
    for (const s of ['ses_incident', 'ses_other', 'ses_probe']) {
      const t = await sluice(['token', '--tenant', 'acme', '--agent', 'coder', '--session', s, '--config', d.configFile]);
      assert.equal(t.code, 0, t.stderr);
      tokens[s] = t.stdout.trim();
    }
  });
  after(async () => {
    await gate?.stop();
    await Promise.all([plain?.close(), tls?.close()]);
  });

  /** curl through the gate as session `s`: status code. */
  async function curl(s: string, method: string, url: string, body?: string, headers: readonly string[] = []): Promise<number> {
    const r = await exec('curl', [
      '-sS',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '--proxy',
      `http://${gate!.address}`,
      '--proxy-user',
      `sluice:${tokens[s]!}`,
      '--cacert',
      d.caFile,
      '-X',
      method,
      ...headers.flatMap((h) => ['-H', h]),
      ...(body === undefined ? [] : ['-H', 'content-type: text/plain', '--data-binary', body]),
      url,
    ]);
    assert.equal(r.code, 0, r.stderr);
    return Number(r.stdout);
  }

  async function show(s: string): Promise<ForensicsExchange[]> {
    const r = await sluice(['forensics', 'show', s, '--json', '--config', d.configFile]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as ForensicsExchange[];
  }

  /** Every file under <data_dir>/forensics, as one text. */
  async function everythingKept(): Promise<string> {
    const root = join(d.dir, 'forensics');
    let text = '';
    for (const e of await readdir(root, { recursive: true, withFileTypes: true })) if (e.isFile()) text += await readFile(join(e.parentPath, e.name), 'utf8');
    return text;
  }

  test('start, traffic, show: the exchanges are there, the canary and the credential are not', async () => {
    const before = await show('ses_incident');
    assert.deepEqual(before, [], 'nothing is kept before start');
    const on = await sluice(['forensics', 'start', '--session', 'ses_incident', '--for', '1h', '--reason', 'INC-7', '--config', d.configFile]);
    assert.equal(on.code, 0, on.stderr);
    assert.match(on.stdout, /^forensics on: ses_incident since \S+, until \S+ \(reason: INC-7\)$/m);
    // The gate picks the entry up within its poll: probe until a first exchange is kept.
    const api = `http://api.upstream.test:${plain.port}`;
    await waitFor(
      'the gate to keep a probe',
      async () => ((await curl('ses_incident', 'GET', `${api}/probe`)) && (await show('ses_incident')).length > 0 ? true : undefined),
      10_000,
      100,
    );

    assert.equal(await curl('ses_incident', 'POST', `${api}/upload`, `note: key=${CANARY} end`, [`cookie: ${COOKIE}`]), 200);
    assert.equal(await curl('ses_incident', 'GET', `https://files.upstream.test:${tls.port}/echo`), 200);
    assert.equal(await curl('ses_other', 'GET', `${api}/not-kept`), 200);
    // The upstream got the credential (and the canary: dlp warn lets it through): it was injected and echoed.
    assert.equal(tls.seen.at(-1)?.headers.authorization, `Bearer ${CRED}`);

    const kept = await waitFor(
      'both exchanges kept',
      async () => {
        const all = await show('ses_incident');
        return all.some((e) => e.request.url.endsWith('/upload')) && all.some((e) => e.request.url.endsWith('/echo')) ? all : undefined;
      },
      5000,
      100,
    );
    const upload = kept.find((e) => e.request.url.endsWith('/upload'))!;
    assert.equal(upload.request.method, 'POST');
    assert.equal(upload.session, 'ses_incident');
    assert.equal(upload.rule, 'api');
    assert.match(upload.request.body, /^note: key=\[REDACTED:[a-z_]+\] end$/);
    assert.equal(upload.request.body_bytes, `note: key=${CANARY} end`.length);
    assert.equal(upload.response.status, 200);
    assert.equal(upload.request.headers['proxy-authorization'], undefined, 'the gate token is not kept');
    const echo = kept.find((e) => e.request.url.endsWith('/echo'))!;
    assert.equal(echo.rule, 'files');
    assert.equal(echo.request.url, `https://files.upstream.test:${tls.port}/echo`);
    assert.equal(upload.reason, 'rule_allow');
    assert.equal(echo.response.status, 200);
    assert.match(echo.response.body, /"method":"GET"/, 'the response body as the agent got it');
    assert.equal(echo.request.headers.authorization, undefined, 'what the agent sent had no credential');

    const text = await everythingKept();
    assert.ok(!text.includes(CANARY), 'the canary is not kept');
    assert.ok(!text.includes(CRED), 'the injected credential is not kept');
    assert.ok(!text.includes(COOKIE), 'a cookie is kept as its name only');
    assert.equal(upload.request.headers.cookie, '[REDACTED:cookie header]');
    assert.ok(!text.includes(tokens.ses_incident!), 'the gate token is not kept');
    assert.ok(!text.includes('/not-kept'), 'another session is not kept');

    const printed = await sluice(['forensics', 'show', 'ses_incident', '--config', d.configFile]);
    assert.equal(printed.code, 0, printed.stderr);
    assert.match(printed.stdout, /^> POST http:\/\/api\.upstream\.test:\d+\/upload$/m);
    assert.match(printed.stdout, /^< 200$/m);
    assert.ok(!printed.stdout.includes(CANARY) && !printed.stdout.includes(CRED));

    const list = await sluice(['forensics', 'list', '--config', d.configFile]);
    assert.match(list.stdout, /^recording\tses_incident since /m);
    assert.match(list.stdout, /^kept\tses_incident: \d+ exchange\(s\)$/m);
  });

  test('stop: later exchanges of the session are not kept', async () => {
    const off = await sluice(['forensics', 'stop', '--session', 'ses_incident', '--config', d.configFile]);
    assert.equal(off.code, 0, off.stderr);
    const again = await sluice(['forensics', 'stop', '--session', 'ses_incident', '--config', d.configFile]);
    assert.equal(again.code, 1, 'stopping twice says it was not on');
    // The gate loads rows in order: once a session started after the stop is kept, the
    // gate has applied the stop too. Then a request of the stopped session is not kept.
    const api = `http://api.upstream.test:${plain.port}`;
    const probe = await sluice(['forensics', 'start', '--session', 'ses_probe', '--config', d.configFile]);
    assert.equal(probe.code, 0, probe.stderr);
    await waitFor(
      'the gate to keep the probe session',
      async () => ((await curl('ses_probe', 'GET', `${api}/probe`)) && (await show('ses_probe')).length > 0 ? true : undefined),
      10_000,
      100,
    );
    const n = (await show('ses_incident')).length;
    assert.equal(await curl('ses_incident', 'GET', `${api}/after-stop`), 200);
    // A later kept exchange of the probe session: the stopped session's one would be written by now.
    assert.equal(await curl('ses_probe', 'GET', `${api}/probe-after`), 200);
    await waitFor(
      'the later probe kept',
      async () => ((await show('ses_probe')).some((e) => e.request.url.endsWith('/probe-after')) ? true : undefined),
      5000,
      50,
    );
    const later = await show('ses_incident');
    assert.equal(later.length, n);
    assert.ok(!later.some((e) => e.request.url.includes('/after-stop')));
  });
});
