/**
 * `identity.max_ttl` is enforced end to end: `sluice token` refuses a longer --ttl, a
 * gate refuses a token minted to live longer (whoever signed it), `sluice run` gets
 * its default shortened and an explicit longer --ttl refused, and a reload that
 * lowers the limit applies to tokens the gate had already accepted.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { initDir, loopbackUpstream, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { exec } from '../helpers/exec.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

const bareEnv: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/_proxy$/i.test(k)));

describe('identity.max_ttl through sluice token, sluice run and sluice start', () => {
  let up: Upstream;
  let d: InitDir;
  let gate: CliGate | undefined;
  let base: string;

  const config = (maxTtl: string): string => `${base}identity:\n  max_ttl: ${maxTtl}\n`;
  const curl = async (t: string): Promise<{ status: number; body: string }> => {
    const r = await exec(
      'curl',
      ['-sS', '-o', '-', '-w', '\n%{http_code}', '--proxy', `http://sluice:${t}@${gate!.address}`, `http://api.upstream.test:${up.port}/`],
      { env: bareEnv },
    );
    assert.equal(r.code, 0, r.stderr);
    const cut = r.stdout.lastIndexOf('\n');
    return { status: Number(r.stdout.slice(cut + 1)), body: r.stdout.slice(0, cut) };
  };
  const reload = async (text: string): Promise<void> => {
    const seen = (gate!.stderr().match(/policy reloaded/g) ?? []).length;
    await writeFile(d.configFile, text);
    gate!.child.kill('SIGHUP');
    const until = Date.now() + 10_000;
    while ((gate!.stderr().match(/policy reloaded/g) ?? []).length <= seen) {
      if (Date.now() > until) throw new Error(`no reload; gate stderr:\n${gate!.stderr()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  before(async () => {
    up = await startUpstream();
    d = await initDir(loopbackUpstream('upstream'));
    base = await readFile(d.configFile, 'utf8');
    await writeFile(d.configFile, config('2h'));
    gate = await startCliGate(d.configFile);
  });
  after(async () => {
    await gate?.stop();
    await up?.close();
  });

  test('sluice token refuses a --ttl over identity.max_ttl and names it (exit 2); within it, the token works', async () => {
    const r = await sluice(['token', '--tenant', 'acme', '--agent', 'bot', '--ttl', '3h', '--config', d.configFile]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--ttl: 3h is longer than identity\.max_ttl \(2h\)/);
    assert.equal(r.stdout, '');
    const ok = await sluice(['token', '--tenant', 'acme', '--agent', 'bot', '--ttl', '90m', '--config', d.configFile]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((await curl(ok.stdout.trim())).status, 200);
  });

  test('a token minted under a longer limit is refused by the gate, and the refusal says why', async () => {
    // Signed with the gate's own key, under a config that allowed it: the gate's limit still holds.
    const loose = `${d.configFile}.loose.yaml`;
    await writeFile(loose, config('24h'));
    const r = await sluice(['token', '--tenant', 'acme', '--agent', 'bot', '--ttl', '5h', '--config', loose]);
    assert.equal(r.code, 0, r.stderr);
    const res = await curl(r.stdout.trim());
    assert.equal(res.status, 407, res.body);
    const body = JSON.parse(res.body) as { error: string; reason: string };
    assert.equal(body.error, 'identity_invalid');
    assert.match(body.reason, /lives 5h, longer than identity\.max_ttl \(2h\)/);
  });

  test('sluice run: the default lifetime is shortened to the limit; an explicit longer --ttl is refused', async () => {
    await reload(config('30m'));
    const ok = await sluice(['run', '--config', d.configFile, '--gate', gate!.address, '--', 'curl', '-sS', `http://api.upstream.test:${up.port}/`], {
      env: bareEnv,
    });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'hello from upstream\n');
    const no = await sluice(['run', '--config', d.configFile, '--gate', gate!.address, '--ttl', '45m', '--', 'true'], { env: bareEnv });
    assert.equal(no.code, 2, no.stderr);
    assert.match(no.stderr, /45m is longer than this gate's identity\.max_ttl \(30m\)/);
  });

  test('a reload that lowers the limit refuses a token the gate had already accepted', async () => {
    await reload(config('2h'));
    const r = await sluice(['token', '--tenant', 'acme', '--agent', 'bot', '--ttl', '1h', '--config', d.configFile]);
    assert.equal(r.code, 0, r.stderr);
    const t = r.stdout.trim();
    assert.equal((await curl(t)).status, 200, 'accepted (and cached) under 2h');
    await reload(config('20m'));
    const res = await curl(t);
    assert.equal(res.status, 407, res.body);
    assert.match((JSON.parse(res.body) as { reason: string }).reason, /longer than identity\.max_ttl \(20m\)/);
  });
});
