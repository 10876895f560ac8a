/**
 * One CLI: exit 2 for a usage or config error, 1 for a failure, and messages that
 * point at the fix, through the real `sluice` command.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { initDir, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';

describe('CLI exit codes and messages e2e', () => {
  let d: InitDir;
  let gate: CliGate;
  before(async () => {
    d = await initDir();
    gate = await startCliGate(d.configFile);
  });
  after(async () => {
    await gate?.stop();
  });

  test("sluice run curl -s URL (no '--'): exit 2, and the message shows where '--' goes", async () => {
    const r = await sluice(['run', '--config', d.configFile, 'curl', '-s', 'http://example.test/']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(
      r.stderr,
      /'-s' is not a sluice run option; to pass options to the command, put '--' before it: sluice run --config \S+ -- curl -s http:\/\/example\.test\/$/m,
    );
  });

  test('sluice start --port: exit 2 with a hint about --listen', async () => {
    const r = await sluice(['start', '--config', d.configFile, '--port', '9999']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /unknown option '--port': sluice start takes --listen HOST:PORT/);
  });

  test('a --ttl over 24h: exit 2 from both sluice run and sluice token', async () => {
    const run = await sluice(['run', '--config', d.configFile, '--gate', gate.address, '--ttl', '48h', '--', 'true']);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /ttl/i);
    const token = await sluice(['token', '--tenant', 'acme', '--agent', 'bot', '--ttl', '25h', '--config', d.configFile]);
    assert.equal(token.code, 2, token.stderr);
  });

  test('durations are echoed in the units typed: run, mcp and token --ttl', async () => {
    for (const [cmd, ttl] of [
      ['run', '48h'],
      ['run', '1500m'],
      ['mcp', '90000s'],
    ] as const) {
      const r = await sluice([cmd, '--config', d.configFile, '--gate', gate.address, '--ttl', ttl, '--', 'true']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`^sluice: --ttl: ${ttl} is longer than the 24h maximum;`, 'm'), `${cmd} --ttl ${ttl}`);
    }
    const token = await sluice(['token', '--tenant', 'acme', '--agent', 'bot', '--ttl', '1500m', '--config', d.configFile]);
    assert.equal(token.code, 2, token.stderr);
    assert.match(token.stderr, /^sluice: --ttl: 1500m is longer than the 24h maximum;/m);
    const short = await sluice(['token', '--tenant', 'acme', '--agent', 'bot', '--ttl', '500ms', '--config', d.configFile]);
    assert.equal(short.code, 2, short.stderr);
    assert.match(short.stderr, /^sluice: --ttl: 500ms is shorter than the 1s minimum$/m);
  });

  test('a route whose CA file is missing: policy check and start say invalid config, exit 2', async () => {
    const bad = await initDir(`  - id: internal
    hosts: [svc.acme.test]
    route: internal
routes:
  internal:
    url: https://10.0.0.5:8443
    ca: ./no-such-ca.pem
`);
    const check = await sluice(['policy', 'check', bad.configFile]);
    assert.equal(check.code, 2, check.stdout + check.stderr);
    assert.doesNotMatch(check.stdout, /^ok:/m);
    assert.match(check.stderr, /invalid config: .*routes\.internal\.ca: cannot read .*no-such-ca\.pem \(ENOENT\)/);
    const start = await sluice(['start', '--config', bad.configFile, '--listen', '127.0.0.1:0']);
    assert.equal(start.code, 2, start.stderr);
    assert.match(start.stderr, /routes\.internal\.ca/);
  });
});
