/**
 * `sluice revoke --undo`: lifts a revocation of a session, an agent or a token, says
 * what it lifted (or exits 1 when nothing was revoked under that id, naming the tenant
 * it is revoked in instead), and returns once every running gate on the data
 * directory accepts the identity again: two gates from `sluice start`, real requests.
 */
import assert from 'node:assert/strict';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { after, before, describe, test } from 'node:test';
import { initDir, loopbackUpstream, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { parseRawResponse, rawExchange } from '../helpers/raw.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

describe('sluice revoke --undo', () => {
  let up: Upstream;
  let d: InitDir;
  const gates: CliGate[] = [];

  before(async () => {
    up = await startUpstream();
    d = await initDir(loopbackUpstream('upstream'));
    gates.push(await startCliGate(d.configFile), await startCliGate(d.configFile));
  });
  after(async () => {
    for (const g of gates) await g.stop();
    await up?.close();
  });

  const token = async (session: string, agent = 'ops-bot'): Promise<string> => {
    const r = await sluice(['token', '--tenant', 'acme', '--agent', agent, '--session', session, '--config', d.configFile]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim();
  };
  /** The status and deny error of one GET through `gate` with `tok`. */
  const answer = async (gate: CliGate, tok: string): Promise<string> => {
    const auth = Buffer.from(`sluice:${tok}`).toString('base64');
    const { response } = await rawExchange(
      gate.port,
      `GET http://api.upstream.test:${up.port}/ HTTP/1.1\r\nHost: api.upstream.test\r\nProxy-Authorization: Basic ${auth}\r\nConnection: close\r\n\r\n`,
    );
    const r = parseRawResponse(response);
    return r.status === 200 ? '200' : `${r.status} ${(JSON.parse(r.body) as { error: string }).error}`;
  };
  const both = (tok: string): Promise<string[]> => Promise.all(gates.map((g) => answer(g, tok)));
  const revoke = (args: string[]): ReturnType<typeof sluice> => sluice(['revoke', ...args, '--config', d.configFile]);

  test('a session: refused on both gates after revoke, accepted on both as soon as --undo returns; a second --undo exits 1', async () => {
    const tok = await token('ses_undo_1');
    assert.deepEqual(await both(tok), ['200', '200']);
    const r = await revoke(['--session', 'ses_undo_1', '--reason', 'false alarm?']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await both(tok), ['403 identity_revoked', '403 identity_revoked']);

    const u = await revoke(['--undo', '--session', 'ses_undo_1']);
    assert.equal(u.code, 0, u.stderr);
    assert.match(
      u.stdout,
      /^undid the revocation of session ses_undo_1 \(recorded \S+; reason: false alarm\?\): its tokens are accepted again until they expire$/m,
    );
    assert.deepEqual(await both(tok), ['200', '200'], 'every gate applied the undo before the command returned');

    const list = await revoke(['--list']);
    assert.doesNotMatch(list.stdout, /ses_undo_1/, '--list shows revocations in force only');
    const again = await revoke(['--undo', '--session', 'ses_undo_1']);
    assert.equal(again.code, 1, again.stderr);
    assert.equal(again.stdout, '');
    assert.match(again.stderr, /^sluice revoke: nothing was revoked under session 'ses_undo_1', so nothing was undone; 'sluice revoke --list' shows what is/m);
  });

  test('a revocation in one tenant: --undo without --tenant names it and exits 1; with it, lifts it', async () => {
    const tok = await token('ses_undo_2');
    assert.equal((await revoke(['--session', 'ses_undo_2', '--tenant', 'acme'])).code, 0);
    assert.deepEqual(await both(tok), ['403 identity_revoked', '403 identity_revoked']);
    const wrong = await revoke(['--undo', '--session', 'ses_undo_2']);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /nothing was revoked under session 'ses_undo_2', so nothing was undone; it is revoked in tenant acme \(add --tenant acme\)/);
    assert.deepEqual(await both(tok), ['403 identity_revoked', '403 identity_revoked'], 'a failed undo lifts nothing');
    const right = await revoke(['--undo', '--session', 'ses_undo_2', '--tenant', 'acme']);
    assert.equal(right.code, 0, right.stderr);
    assert.match(right.stdout, /^undid the revocation of session ses_undo_2 in tenant acme /m);
    assert.deepEqual(await both(tok), ['200', '200']);
  });

  test('an agent and a token id: each lifted, and only that one', async () => {
    const tok = await token('ses_undo_3', 'undo-bot');
    const jti = (JSON.parse(Buffer.from(tok.split('.')[1]!, 'base64url').toString()) as { jti: string }).jti;
    assert.equal((await revoke(['--agent', 'undo-bot'])).code, 0);
    assert.equal((await revoke(['--token-id', jti])).code, 0);
    const agent = await revoke(['--undo', '--agent', 'undo-bot']);
    assert.equal(agent.code, 0, agent.stderr);
    assert.match(agent.stdout, /^undid the revocation of agent undo-bot \(recorded (\S+)\): its tokens issued up to \1 are accepted again until they expire$/m);
    assert.deepEqual(await both(tok), ['403 identity_revoked', '403 identity_revoked'], 'the token id is still revoked');
    const byId = await revoke(['--undo', '--token-id', jti]);
    assert.equal(byId.code, 0, byId.stderr);
    assert.match(byId.stdout, new RegExp(`^undid the revocation of token ${jti} `, 'm'));
    assert.deepEqual(await both(tok), ['200', '200']);
  });

  test('called wrongly: exit 2', async () => {
    for (const args of [['--undo'], ['--undo', '--list'], ['--undo', '--session', 's', '--reason', 'x'], ['--undo', '--session', 's', '--agent', 'a']]) {
      const r = await revoke(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    }
  });

  test('a gate that cannot apply the undo in time is named, with --wait echoed as typed; exit 3', async () => {
    const tok = await token('ses_undo_4');
    assert.equal((await revoke(['--session', 'ses_undo_4'])).code, 0);
    const pid = gates[1]!.child.pid!;
    process.kill(pid, 'SIGSTOP');
    // A gate silent for 5 s is taken for gone (participants.ts STALE_MS), and the CLI may
    // take that long to start on a loaded machine: the stopped gate's heartbeat is kept
    // fresh meanwhile, as a gate alive but stuck would keep it.
    const db = new Database(join(d.dir, 'state.db'), { timeout: 2000 });
    const beat = setInterval(() => db.prepare('UPDATE participants SET heartbeat_at = ? WHERE pid = ?').run(Date.now(), pid), 250);
    let r;
    try {
      r = await revoke(['--undo', '--session', 'ses_undo_4', '--wait', '1500ms']);
    } finally {
      clearInterval(beat);
      db.close();
      process.kill(pid, 'SIGCONT');
    }
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /^undid the revocation of session ses_undo_4 /m);
    assert.match(
      r.stderr,
      new RegExp(`not yet applied by 1 running process\\(es\\) after 1500ms; they may still refuse that identity:\\n {2}gate pid ${pid} `),
    );
    assert.deepEqual(await both(tok), ['200', '200'], 'once running again, the stopped gate applies it');
  });

  test('with a broken config, --undo works on the data directory and says the config was ignored', async () => {
    assert.equal((await revoke(['--session', 'ses_undo_5'])).code, 0);
    await appendFile(d.configFile, 'listen: [not, an, address\n');
    const r = await revoke(['--undo', '--session', 'ses_undo_5']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^undid the revocation of session ses_undo_5 /m);
    assert.match(r.stderr, /^sluice revoke: warning: the config is invalid and was ignored/m);
  });
});
