import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { agentEnv, AWS_PLACEHOLDERS } from '../../src/launcher/agent-env.js';
import { parseConfig } from '../../src/config/load.js';
import { CLIENT_VARS } from '../../src/launcher/client-vars.js';
import { operatorSecrets } from '../../src/launcher/operator-secrets.js';
import { describeEnv, maskProxyAuth } from '../../src/launcher/print-env.js';

const URL_WITH_TOKEN = 'http://sluice:eyJ.abc.def@127.0.0.1:8877';
const trust = { caCert: '/t/ca.pem', bundle: '/t/ca-bundle.pem', wgetrc: '/t/wgetrc', javaTrustStore: '/t/java-trust.p12' };

describe('agentEnv', () => {
  test('every client variable is set, to the proxy or the right CA file', () => {
    const env = agentEnv({}, URL_WITH_TOKEN, trust);
    for (const v of CLIENT_VARS) assert.equal(env[v.name], v.value === 'proxy' ? URL_WITH_TOKEN : v.value === 'ca' ? trust.caCert : trust.bundle, v.name);
    // npm replaces its CA list with cafile: it must be the bundle, never the Sluice CA alone.
    assert.equal(env.npm_config_cafile, trust.bundle);
    assert.equal(env.WGETRC, trust.wgetrc);
  });

  test('bypasses are removed whatever their case; the operator’s secrets too', () => {
    const env = agentEnv(
      { NO_PROXY: '*', No_Proxy: '*', NPM_CONFIG_NOPROXY: '*', NODE_TLS_REJECT_UNAUTHORIZED: '0', SLUICE_MASTER_KEY: 'k', GH_TOKEN: 'g', KEEP: '1' },
      URL_WITH_TOKEN,
      trust,
      ['GH_TOKEN'],
    );
    for (const k of ['NO_PROXY', 'No_Proxy', 'NPM_CONFIG_NOPROXY', 'NODE_TLS_REJECT_UNAUTHORIZED', 'SLUICE_MASTER_KEY', 'GH_TOKEN'])
      assert.equal(k in env, false, k);
    assert.equal(env.KEEP, '1');
  });

  test('AWS: placeholder keys replace the operator’s; the session token and profile are removed', () => {
    const env = agentEnv(
      { AWS_ACCESS_KEY_ID: 'AKIAOPERATORKEY00001', AWS_SECRET_ACCESS_KEY: 's', AWS_SESSION_TOKEN: 't', AWS_PROFILE: 'prod', AWS_REGION: 'eu-west-1' },
      URL_WITH_TOKEN,
      trust,
    );
    assert.equal(env.AWS_ACCESS_KEY_ID, AWS_PLACEHOLDERS.AWS_ACCESS_KEY_ID);
    assert.equal(env.AWS_SECRET_ACCESS_KEY, AWS_PLACEHOLDERS.AWS_SECRET_ACCESS_KEY);
    for (const k of ['AWS_SESSION_TOKEN', 'AWS_PROFILE']) assert.equal(k in env, false, k);
    assert.equal(env.AWS_REGION, 'eu-west-1');
    // Shaped like no real key id, so DLP lets the placeholder signature through.
    assert.doesNotMatch(env.AWS_ACCESS_KEY_ID ?? '', /^(AKIA|ASIA)/);
  });

  test("git's proxy goes after the caller's own GIT_CONFIG_* entries", () => {
    const env = agentEnv({ GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'user.name', GIT_CONFIG_VALUE_0: 'x' }, URL_WITH_TOKEN, trust);
    assert.equal(env.GIT_CONFIG_COUNT, '2');
    assert.equal(env.GIT_CONFIG_KEY_0, 'user.name');
    assert.equal(env.GIT_CONFIG_KEY_1, 'http.proxy');
    assert.equal(env.GIT_CONFIG_VALUE_1, URL_WITH_TOKEN);
  });

  test('the JVM gets the gate and the trust store, never the token', () => {
    const env = agentEnv({ JAVA_TOOL_OPTIONS: '-Xmx1g' }, URL_WITH_TOKEN, trust);
    const opts = env.JAVA_TOOL_OPTIONS ?? '';
    assert.match(opts, /^-Xmx1g /);
    assert.match(opts, /-Djavax\.net\.ssl\.trustStore=\/t\/java-trust\.p12/);
    assert.match(opts, /-Dhttps\.proxyHost=127\.0\.0\.1 -Dhttps\.proxyPort=8877/);
    assert.doesNotMatch(opts, /eyJ/);
    assert.equal('JAVA_TOOL_OPTIONS' in agentEnv({}, URL_WITH_TOKEN, { caCert: 'a', bundle: 'b' }), false, 'no store, no Java options');
  });
});

describe('--print-env', () => {
  test('masks the token in every proxy URL and lists what was removed', () => {
    assert.equal(maskProxyAuth(URL_WITH_TOKEN), 'http://sluice:****@127.0.0.1:8877');
    const before = { NO_PROXY: '*', PATH: '/bin' };
    const text = describeEnv(before, agentEnv(before, URL_WITH_TOKEN, trust), false);
    assert.doesNotMatch(text, /eyJ/);
    assert.match(text, /^GIT_CONFIG_VALUE_0=http:\/\/sluice:\*\*\*\*@127\.0\.0\.1:8877$/m);
    assert.match(text, /^unset NO_PROXY$/m);
    assert.doesNotMatch(text, /^PATH=/m);
  });
});

describe('operatorSecrets', () => {
  test('the data directory, the config, keys, file: secrets and log files; env: names', () => {
    const loaded = parseConfig(
      `version: 1
data_dir: ./data
log: { file: ./gate.log }
rules:
  - id: a
    hosts: [a.example]
    credential: { secret: "env:A_TOKEN", header: authorization, value: "Bearer {{secret}}" }
  - id: b
    hosts: [b.example]
    credential: { secret: "file:./b-token.txt", header: authorization, value: "Bearer {{secret}}" }
  - id: c
    hosts: [c.example]
    credential: { secret: github, header: authorization, value: "Bearer {{secret}}" }
`,
      '/etc/sluice/sluice.yaml',
    );
    const s = operatorSecrets(loaded);
    for (const p of ['/etc/sluice/data', '/etc/sluice/sluice.yaml', '/etc/sluice/data/ca-key.pem', '/etc/sluice/b-token.txt', '/etc/sluice/gate.log']) {
      assert.ok(s.paths.includes(p), `${p} in ${s.paths.join(', ')}`);
    }
    assert.deepEqual(s.envNames, ['A_TOKEN']);
  });
});
