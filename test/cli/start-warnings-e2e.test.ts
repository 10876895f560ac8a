/**
 * What will fail later is said at `policy check` and `start`: a rule whose secret has
 * no value (store, env:, file:), and a gate open to anyone who can reach it.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { after, describe, test } from 'node:test';
import { initDir, sluice, startCliGate, type CliGate } from '../helpers/cli.js';
import { waitForStderr } from '../helpers/cli-e2e.js';

const RULES = `  - id: gh
    hosts: [api.github.com]
    credential: { secret: gh_token, header: authorization, value: "Bearer {{secret}}" }
  - id: openai
    hosts: [api.openai.com]
    credential: { secret: "env:SLUICE_TEST_NEVER_SET_KEY", header: authorization, value: "Bearer {{secret}}" }
  - id: internal
    hosts: [svc.acme.test]
    credential: { secret: "file:./no-such-token.txt", header: x-token, value: "{{secret}}" }
`;

const env = (): NodeJS.ProcessEnv => {
  const e = { ...process.env };
  delete e.SLUICE_TEST_NEVER_SET_KEY;
  return e;
};

describe('start warnings e2e: missing secrets and an open proxy are named before the first request', () => {
  let gate: CliGate | undefined;
  after(async () => {
    await gate?.stop();
  });

  test('policy check: ok, with one warning per rule whose secret has no value; setting it silences its warning', async () => {
    const d = await initDir(RULES);
    const r = await sluice(['policy', 'check', d.configFile], { env: env() });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ok: 3 rules/m);
    assert.match(
      r.stderr,
      /^sluice: warning: rule gh: secret gh_token is not in the secret store \(sluice secret set gh_token\); its requests will get 502 credential_unavailable$/m,
    );
    assert.match(r.stderr, /^sluice: warning: rule openai: secret env:SLUICE_TEST_NEVER_SET_KEY is not set in this environment/m);
    assert.match(r.stderr, /^sluice: warning: rule internal: secret file:\.\/no-such-token\.txt has no value/m);

    const set = await sluice(['secret', 'set', 'gh_token', '--config', d.configFile], { input: 'canary-not-a-real-token' });
    assert.equal(set.code, 0, set.stderr);
    await writeFile(`${d.dir}/no-such-token.txt`, 'canary-file-token\n');
    const again = await sluice(['policy', 'check', d.configFile], { env: { ...env(), SLUICE_TEST_NEVER_SET_KEY: 'canary-env' } });
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stderr, /credential_unavailable/);
    assert.doesNotMatch(again.stderr + again.stdout, /canary/);
  });

  test('start: the same warnings on its stderr', async () => {
    const d = await initDir(RULES);
    gate = await startCliGate(d.configFile, { env: env() });
    await waitForStderr(gate, /^sluice: warning: rule gh: secret gh_token is not in the secret store/m);
  });

  test('policy check: an open proxy (listen beyond loopback, identity not required, hosts ["*"]) is warned about loudly', async () => {
    const d = await initDir('  - id: everything\n    hosts: ["*"]\nidentity:\n  required: false\n');
    const text = await readFile(d.configFile, 'utf8');
    await writeFile(d.configFile, text.replace(/^listen: 127\.0\.0\.1:8877$/m, 'listen: 0.0.0.0:8877'));
    const r = await sluice(['policy', 'check', d.configFile]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^sluice: warning: OPEN PROXY: listening on 0\.0\.0\.0 .*rule\(s\) everything allowing hosts \["\*"\]/m);
    // The same file listening on loopback is not open.
    await writeFile(d.configFile, text);
    const quiet = await sluice(['policy', 'check', d.configFile]);
    assert.doesNotMatch(quiet.stderr, /OPEN PROXY/);
  });
});
