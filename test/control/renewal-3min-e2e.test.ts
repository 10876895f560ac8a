/**
 * Issue 12's long-run check, at the issue's own figures: a `sluice run` agent with a
 * 60 s token keeps reaching an HTTPS upstream for 3 minutes, because `sluice run`
 * renews the token over the control socket and the gate re-points the child's run
 * alias; the child is never restarted and never sees a token.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sluice } from '../helpers/cli.js';
import { startControlWorld, type ControlWorld } from './https-setup.js';

const RUN_SECONDS = 180;
const TTL_SECONDS = 60;

let w: ControlWorld;
before(async () => {
  w = await startControlWorld();
});
after(async () => {
  await w?.close();
});

void test(
  '3-minute agent run on a 60 s token: renewed through the control socket, every HTTPS request allowed',
  { timeout: (RUN_SECONDS + 90) * 1000 },
  async () => {
    // A new connection (CONNECT with the alias) every 3 s; each line: epoch seconds, HTTP status.
    const loop = `end=$(( $(date +%s) + ${RUN_SECONDS} )); while [ $(date +%s) -lt $end ]; do echo "$(date +%s) $(curl -s -o /dev/null -w '%{http_code}' ${w.origin}/)"; sleep 3; done`;
    const r = await sluice(['run', '--config', w.d.configFile, '--ttl', `${TTL_SECONDS}s`, '--agent', 'long-runner', '--', 'sh', '-c', loop], {
      timeoutMs: (RUN_SECONDS + 60) * 1000,
    });
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(' ').map(Number) as [number, number]);
    assert.ok(lines.length >= 20, `expected a request every few seconds for ${RUN_SECONDS} s; got ${lines.length}`);
    const refused = lines.filter(([, code]) => code !== 200);
    assert.deepEqual(refused, [], `every request allowed; refused: ${JSON.stringify(refused)}\nsluice run stderr:\n${r.stderr}`);
    // The run outlived its first token twice over, so only renewed tokens can explain the later 200s.
    const first = lines[0]![0];
    const last = lines.at(-1)![0];
    assert.ok(last - first >= 2 * TTL_SECONDS, `requests spanned ${last - first} s`);
    const session = /session (ses_[0-9a-f]{16})/.exec(r.stderr)?.[1];
    assert.ok(session, r.stderr);
    // The gate's log names each token it minted for the session: the first, then the renewals.
    const minted = new Set(
      w.gate
        .logLines()
        .filter((l) => l.msg === 'control request' && l.session === session && l.status === 200)
        .map((l) => l.token_id),
    );
    assert.ok(minted.size >= 3, `expected the first token and at least two renewals; got ${minted.size}`);
    // The upstream saw all of them through the gate.
    const audited = w.gate
      .logLines()
      .filter((l) => l.msg === 'audit' && (l.audit as Record<string, unknown>).session === session && (l.audit as Record<string, unknown>).outcome === 'allow');
    assert.ok(audited.length >= lines.length, `audit records: ${audited.length}, requests: ${lines.length}`);
  },
);
