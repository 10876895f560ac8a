/**
 * The web console in a real browser: Debian's Chromium driven by playwright-core,
 * against a gate from `sluice start` (its own process) serving the console and the
 * admin API on its admin listener. An approver approves a held request from the
 * approvals page and the agent's request completes; an admin revokes a session from
 * its page and its open tunnel closes; an auditor's approve is refused and the request
 * stays held. With SLUICE_SCREENSHOTS=DIR the main pages are saved there as PNG (how
 * docs/console/ was made).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { initDir, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { waitFor } from '../helpers/cli-e2e.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';
import { AdminClient, adminPortOf, agentSend, operatorToken, proxyAuth as agentAuth } from './helpers.js';

const CHROMIUM = process.env.SLUICE_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = process.env.SLUICE_SCREENSHOTS;
/** A GitHub-token-shaped canary in the held request's body: the console shows it redacted, never whole. */
const CANARY = `ghp_${'Qz8Wm2Lx5Nc7Vb1Kd4Hf6Js9Pa3Ge0Ry2Tu'}`;

describe('the web console in Chromium', () => {
  let up: Upstream;
  let d: InitDir;
  let gate: CliGate;
  let api: AdminClient;
  let browser: Browser;
  const tok: Record<'root' | 'alice' | 'carol', string> = { root: '', alice: '', carol: '' };
  const agent: Record<string, string> = {};

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: the README's install step installs Debian's chromium package`);
    up = await startUpstream();
    d = await initDir(`  - id: deploys
    hosts: [api.upstream.test]
    paths: ["/deploy/**"]
    action: approve
    approval: { approvers: [alice], mode: hold }
    inspect: { dlp: warn }
  - id: rest
    hosts: [api.upstream.test, pass.test]
tls:
  passthrough: [pass.test]
dns:
  hosts:
    api.upstream.test: 127.0.0.1
    pass.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
approvals:
  hold: 60s
admin:
  listen: 127.0.0.1:0
`);
    gate = await startCliGate(d.configFile);
    api = new AdminClient(adminPortOf(gate));
    [tok.root, tok.alice, tok.carol] = await Promise.all([
      operatorToken(d.configFile, 'root', 'admin'),
      operatorToken(d.configFile, 'alice', 'approver'),
      operatorToken(d.configFile, 'carol', 'auditor'),
    ]);
    for (const session of ['wf-deploy', 'wf-denied', 'wf-tunnel']) {
      const r = await sluice(['token', '--tenant', 'acme', '--agent', 'release-bot', '--session', session, '--human', 'dana', '--config', d.configFile]);
      assert.equal(r.code, 0, r.stderr);
      agent[session] = r.stdout.trim();
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  after(async () => {
    await browser?.close();
    await gate?.stop();
    await up?.close();
  });

  const proxyAuth = (session: string): string => agentAuth(agent[session]!);
  const send = (session: string, method: string, path: string, body = ''): Promise<{ status: number; body: string }> =>
    agentSend(gate.port, agent[session]!, `api.upstream.test:${up.port}`, method, path, body, 90_000);

  /** A page signed in with `token`, every request it makes checked to stay on the admin listener. */
  const signedIn = async (token: string): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const base = `http://127.0.0.1:${api.port}`;
    page.on('request', (r) => assert.ok(r.url().startsWith(base) || r.url().startsWith('data:'), `the console reached outside the admin listener: ${r.url()}`));
    await page.goto(`${base}/console/`);
    await page.getByTestId('token').fill(token);
    await page.getByTestId('sign-in').click();
    await page.getByTestId('nav-live').waitFor();
    return page;
  };
  const shot = async (page: Page, name: string): Promise<void> => {
    if (SHOTS === undefined) return;
    await mkdir(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  };
  const pendingFor = (session: string): Promise<{ id: string }> =>
    waitFor(`a pending approval for ${session}`, async () => {
      const a = await api.call('GET', '/api/v1/approvals', { token: tok.carol });
      return (a.body.approvals as Array<{ id: string; status: string; diff: { session: string } }> | undefined)?.find(
        (x) => x.status === 'pending' && x.diff.session === session,
      );
    });

  test('an approver approves a held request in the console, and the agent’s request completes', async () => {
    const held = send('wf-deploy', 'POST', '/deploy/web', JSON.stringify({ service: 'web', version: '2.4.1', token: CANARY }));
    const pending = await pendingFor('wf-deploy');
    const page = await signedIn(tok.alice);
    // The SLO card over the trail (GET /api/v1/slo).
    assert.match(await page.getByTestId('slo').innerText(), /safe completion[\s\S]*containment/);
    await shot(page, 'live');
    await page.getByTestId('nav-approvals').click();
    await page.getByTestId(`approval-${pending.id}`).click();
    const diff = page.getByTestId('approval-diff');
    await diff.waitFor();
    const text = await diff.innerText();
    assert.match(text, /POST http:\/\/api\.upstream\.test:\d+\/deploy\/web/);
    assert.match(text, /release-bot/);
    assert.match(text, /dana/);
    assert.ok(!text.includes(CANARY), 'the proposed diff shows the secret redacted');
    await shot(page, 'approval');
    await page.getByTestId('approve').click();
    await page.getByTestId('reason').fill('release 2.4.1 is planned');
    await page.getByTestId('confirm').click();
    await page.getByTestId('decided').waitFor();
    const answer = await held;
    assert.equal(answer.status, 200, answer.body);
    assert.equal(up.seen.filter((s) => s.url === '/deploy/web').length, 1);
    assert.equal(await page.getByTestId('approval-status').innerText(), 'approved');
    await page.close();
  });

  test('an auditor cannot approve: the console shows the refusal and the request stays held', async () => {
    const held = send('wf-denied', 'POST', '/deploy/db', JSON.stringify({ service: 'db' }));
    const pending = await pendingFor('wf-denied');
    const page = await signedIn(tok.carol);
    await page.goto(`http://127.0.0.1:${api.port}/console/#/approvals/${pending.id}`);
    await page.getByTestId('approve').click();
    await page.getByTestId('reason').fill('I should not be able to');
    await page.getByTestId('confirm').click();
    const error = page.getByTestId('reason-dialog').getByTestId('error');
    await error.waitFor();
    assert.match(await error.innerText(), /role|forbidden|approver/i);
    const still = await api.call('GET', `/api/v1/approvals/${pending.id}`, { token: tok.carol });
    assert.equal((still.body.approval as { status: string }).status, 'pending');
    assert.equal(up.seen.filter((s) => s.url === '/deploy/db').length, 0);
    // Deny it as the approver, so the held request ends.
    const denied = await api.call('POST', `/api/v1/approvals/${pending.id}/deny`, { token: tok.alice, body: { reason: 'not now' } });
    assert.equal(denied.status, 200, denied.text);
    assert.equal((await held).status, 403);
    await page.close();
  });

  test('an admin revokes a session from its page, giving a reason, and its open tunnel closes', async () => {
    const sock: Socket = connect(gate.port, '127.0.0.1');
    let closed = false;
    let got = '';
    sock.on('close', () => (closed = true));
    sock.on('error', () => undefined);
    sock.on('data', (c: Buffer) => (got += c.toString('latin1')));
    sock.write(`CONNECT pass.test:${up.port} HTTP/1.1\r\nHost: pass.test:${up.port}\r\nProxy-Authorization: ${proxyAuth('wf-tunnel')}\r\n\r\n`);
    await waitFor('the tunnel to open', () => (/^HTTP\/1\.1 200/.test(got) ? true : undefined), 10_000);
    const page = await signedIn(tok.root);
    await page.getByTestId('nav-sessions').click();
    await page.getByTestId('sessions').waitFor();
    await shot(page, 'sessions');
    // The gate counts the tunnel once it is set up, a moment after its 200: wait for that
    // through the API, so the page (loaded after it) must show it. (Reading the page right
    // after each reload, before its fetch answered, could miss it for the whole bound.)
    await waitFor('the session to show its tunnel', async () => {
      const a = await api.call('GET', '/api/v1/sessions/wf-tunnel?tenant=acme', { token: tok.carol });
      return a.status === 200 && (a.body.summary as { open: { tunnels: number } }).open.tunnels === 1 ? true : undefined;
    });
    await page.goto(`http://127.0.0.1:${api.port}/console/#/sessions/wf-tunnel?tenant=acme`);
    await page
      .getByTestId('open-count')
      .filter({ hasText: /\b1 tunnel\b/ })
      .waitFor()
      .catch(async (err: Error) => assert.fail(`${err.message}; the page: ${await page.locator('main').innerText()}`));
    const chain = await page.getByTestId('delegation-chain').innerText();
    assert.match(chain, /dana[\s\S]*release-bot[\s\S]*wf-tunnel/);
    await shot(page, 'session');
    assert.equal(closed, false);
    await page.getByTestId('revoke').click();
    // No reason, no revocation: the confirm button stays disabled.
    assert.equal(await page.getByTestId('confirm').isDisabled(), true);
    await page.getByTestId('reason').fill('credential misuse suspected');
    await page.getByTestId('confirm').click();
    await page
      .getByTestId('action-done')
      .waitFor()
      .catch(async (err: Error) => assert.fail(`${err.message}; the dialog: ${await page.getByTestId('reason-dialog').innerText()}`));
    await waitFor('the tunnel to close', () => (closed ? true : undefined), 10_000);
    const recs = await api.call('GET', '/api/v1/revocations', { token: tok.carol });
    const rev = (recs.body.revocations as Array<{ kind: string; value: string; reason: string | null }>).find((r) => r.value === 'wf-tunnel');
    assert.deepEqual([rev?.kind, rev?.reason], ['session', 'credential misuse suspected']);
    await page.getByTestId('nav-policy').click();
    await page.getByTestId('policy-version').waitFor();
    await shot(page, 'policy');
    await page.getByTestId('nav-audit').click();
    await page.getByTestId('search').click();
    await page.getByTestId('audit-results').waitFor();
    await shot(page, 'audit');
    await page.close();
  });
});
