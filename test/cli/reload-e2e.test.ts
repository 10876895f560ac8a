/**
 * Hot reload of a running `sluice start`, observed only from outside: the operator
 * edits the config file (or sends SIGHUP), reads the gate's stderr, and agents'
 * requests (curl under `sluice run`) and `sluice audit query` show which policy serves.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { initDir, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { auditQuery, checkedVersion, CURL_STATUS, runClient, splitCurl, startVersionOf, waitForAudit, waitForStderr } from '../helpers/cli-e2e.js';
import { exec } from '../helpers/exec.js';
import { upstreamPki } from '../helpers/pki.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

const RULE_A = `  - id: a-read
    hosts: [a.acme.test]
`;
const RULE_B = `  - id: b-read
    hosts: [b.acme.test]
    methods: [GET]
`;
/** Invalid: `methods` must be a list. */
const RULE_C_NOT_A_LIST = `  - id: c-read
    hosts: [c.acme.test]
    methods: GET
`;
/** Invalid: a typo'd key (`hots`). */
const RULE_C_TYPO = `  - id: c-read
    hots: [c.acme.test]
`;

/** The documented policy version: the first 12 hex of the file's sha256. */
const versionOf = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex').slice(0, 12);

/** 1-based line of the first line of `text` that equals `line`. */
function lineOf(text: string, line: string): number {
  const i = text.split('\n').indexOf(line);
  assert.notEqual(i, -1, `no line ${JSON.stringify(line)}`);
  return i + 1;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

describe('hot reload e2e: a running sluice start picks up edits, rejects bad ones with their line, and reloads on SIGHUP', () => {
  let up: Upstream;
  let d: InitDir;
  let starter: string;
  let sections: string;
  let gate: CliGate | undefined;
  let hupGate: CliGate | undefined;
  const versions = { v1: '', v2: '' };
  /** A minimal valid config on the same data_dir, for reading audit.db while the gate's own file is broken. */
  let reader: string;

  /** The init starter with these rules, then the sections every config here needs. */
  const compose = (rules: readonly string[], extra = ''): string => `${starter}${rules.join('')}${sections}${extra}`;
  const get = (g: CliGate, cfg: string, host: string) => runClient(g, cfg, { agent: 'reader-bot' }, 'curl', 'GET', `https://${host}:${up.port}/`);

  before(async () => {
    const pki = await upstreamPki();
    up = await startUpstream({ tls: true, names: ['a.acme.test', 'b.acme.test', 'c.acme.test'] });
    sections = `dns:
  hosts:
    a.acme.test: 127.0.0.1
    b.acme.test: 127.0.0.1
    c.acme.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
tls:
  upstream_ca: ${pki.caFile}
`;
    d = await initDir();
    reader = join(await mkdtemp(join(tmpdir(), 'sluice-reader-')), 'reader.yaml');
    await writeFile(reader, `version: 1\ndata_dir: ${d.dir}\n`);
    starter = await readFile(d.configFile, 'utf8');
    assert.match(starter, /\nrules:\n(?: {2}#.*\n)*$/, 'the starter ends inside rules:');
    await writeFile(d.configFile, compose([RULE_A]));
    gate = await startCliGate(d.configFile);
    versions.v1 = startVersionOf(gate);
    assert.equal(versions.v1, versionOf(compose([RULE_A])));
  });
  after(async () => {
    await gate?.stop();
    await hupGate?.stop();
    await up?.close();
  });

  test('(a) a valid edit (a rule added) is picked up: the denied request is now allowed, stderr names the new version', async () => {
    const before = await get(gate!, d.configFile, 'b.acme.test');
    assert.equal(before.status, 403, before.body);
    assert.equal((JSON.parse(before.body) as { rule: string }).rule, 'default-deny');
    assert.equal((await waitForAudit(d.configFile, (a) => a.session === before.session)).policy_version, versions.v1);

    const from = gate!.stderr().length;
    await writeFile(d.configFile, compose([RULE_A, RULE_B]));
    versions.v2 = await checkedVersion(d.configFile);
    assert.notEqual(versions.v2, versions.v1);
    const m = await waitForStderr(gate!, /^sluice: policy reloaded \(file changed\): version (\S+), (\d+) rule\(s\)$/m, from);
    assert.equal(m[1], versions.v2);
    assert.equal(m[2], '2');

    const after = await get(gate!, d.configFile, 'b.acme.test');
    assert.equal(after.status, 200, after.body);
    assert.equal(after.body, 'hello from upstream\n');
    const rec = await waitForAudit(d.configFile, (a) => a.session === after.session);
    assert.equal(rec.outcome, 'allow');
    assert.equal(rec.rule, 'b-read');
    assert.equal(rec.policy_version, versions.v2);
  });

  for (const [i, label, rule, badLine, problem] of [
    [1, '`methods: GET` (not a list)', RULE_C_NOT_A_LIST, '    methods: GET', /methods: expected a list/],
    [2, 'a typo key (`hots:`)', RULE_C_TYPO, '    hots: [c.acme.test]', /unknown key 'hots'/],
  ] as const) {
    test(`(b) an invalid edit, ${label}, is rejected with the file and line; the old policy keeps serving`, async () => {
      assert.ok(versions.v2, '(a) ran first');
      // `sluice run` and `sluice audit query` read the config themselves and refuse a broken one
      // (exit 2), so the agent here holds a proxy URL minted through `reader` (a second, valid
      // config on the same data_dir), and the trail is read through `reader` too.
      const session = `ses_reload_bad${i}`;
      const minted = await sluice(['token', '--tenant', 'default', '--agent', 'reader-bot', '--session', session, '--config', reader]);
      assert.equal(minted.code, 0, minted.stderr);
      const token = minted.stdout.trim();
      const curl = async (host: string): Promise<{ status: number; body: string }> =>
        splitCurl(
          await exec('curl', [
            '-sS',
            '--proxy',
            `http://sluice:${token}@${gate!.address}`,
            '--cacert',
            d.caFile,
            ...CURL_STATUS,
            `https://${host}:${up.port}/`,
          ]),
        );

      const text = compose([RULE_A, RULE_B, rule]);
      const line = lineOf(text, badLine);
      const from = gate!.stderr().length;
      await writeFile(d.configFile, text);
      // The problem is located: FILE:LINE:COL, on the line the edit broke, after the rejection notice.
      const located = await waitForStderr(gate!, new RegExp(`^${escape(d.configFile)}:${line}:\\d+: (.*)$`, 'm'), from);
      assert.match(located[1]!, problem);
      const notice = gate!.stderr().slice(from, from + located.index);
      assert.match(notice, new RegExp(`^sluice: policy reload rejected \\(file changed\\); still serving ${versions.v2}:$`, 'm'));
      assert.doesNotMatch(gate!.stderr().slice(from), /policy reloaded/);

      // The previously allowed request still works, under the old version.
      const ok = await curl('b.acme.test');
      assert.equal(ok.status, 200, ok.body);
      const okRec = await waitForAudit(reader, (a) => a.session === session && a.host === 'b.acme.test');
      assert.equal(okRec.rule, 'b-read');
      assert.equal(okRec.policy_version, versions.v2);
      // Nothing of the rejected file applies: its rule for c.acme.test is not in force.
      const c = await curl('c.acme.test');
      assert.equal(c.status, 403, c.body);
      const cRec = await waitForAudit(reader, (a) => a.session === session && a.host === 'c.acme.test');
      assert.equal(cRec.rule, 'default-deny');
      assert.equal(cRec.policy_version, versions.v2);
      // And the rejected file's version is nowhere in the trail.
      const seen = new Set((await auditQuery(reader)).map((a) => a.policy_version));
      assert.ok(!seen.has(versionOf(text)), 'the rejected version served a request');
      assert.deepEqual([...seen].sort(), [versions.v1, versions.v2].sort());
    });
  }

  test('(c) SIGHUP reloads too (config behind a symlink, so only the signal can tell the gate)', async () => {
    // A second gate whose config path is a symlink: editing the target file changes nothing in
    // the folder the gate watches, so the reload below can only come from SIGHUP.
    const d2 = await initDir();
    const linkDir = await mkdtemp(join(tmpdir(), 'sluice-link-'));
    const link = join(linkDir, 'sluice.yaml');
    await symlink(d2.configFile, link);
    const dataDir = `data_dir: ${d2.dir}\n`;
    await writeFile(d2.configFile, compose([RULE_A], dataDir));
    hupGate = await startCliGate(link);

    const denied = await get(hupGate, link, 'b.acme.test');
    assert.equal(denied.status, 403, denied.body);
    const next = compose([RULE_A, RULE_B], dataDir);
    await writeFile(d2.configFile, next);
    const from = hupGate.stderr().length;
    hupGate.child.kill('SIGHUP');
    const m = await waitForStderr(hupGate, /^sluice: policy reloaded \(SIGHUP\): version (\S+), 2 rule\(s\)$/m, from);
    assert.equal(m[1], versionOf(next));
    assert.equal(m[1], await checkedVersion(link));

    const allowed = await get(hupGate, link, 'b.acme.test');
    assert.equal(allowed.status, 200, allowed.body);
    const rec = await waitForAudit(link, (a) => a.session === allowed.session);
    assert.equal(rec.rule, 'b-read');
    assert.equal(rec.policy_version, versionOf(next));
    assert.equal(hupGate.child.exitCode, null, 'SIGHUP did not stop the gate');
  });
});
