import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import { CONFIG_FILE, configProblems } from '../helpers/config-problems.js';

const FILE = CONFIG_FILE;

const problems = configProblems;

void test('a rule rate_limit and the rate_limits section load with durations parsed and defaults applied', () => {
  const { config } = parseConfig(
    [
      'version: 1',
      'rules:',
      '  - id: gh',
      '    hosts: [api.github.com]',
      '    rate_limit: { requests: 10, per: 1m, burst: 20, by: session }',
      '  - id: plain',
      '    rate_limit: { requests: 5, per: 1500ms }',
      'rate_limits:',
      '  per_identity: { requests: 600, per: 1m }',
      '  per_host: { requests: 50, per: 1s, burst: 100 }',
      '',
    ].join('\n'),
    FILE,
  );
  assert.deepEqual(config.rules[0]?.rate_limit, { requests: 10, per: 60_000, burst: 20, by: 'session' });
  assert.deepEqual(config.rules[1]?.rate_limit, { requests: 5, per: 1500, by: 'identity' });
  assert.deepEqual(config.rate_limits, {
    per_identity: { requests: 600, per: 60_000 },
    per_host: { requests: 50, per: 1000, burst: 100 },
    max_buckets: 65_536,
  });
  assert.deepEqual(parseConfig('version: 1\n', FILE).config.rate_limits, { max_buckets: 65_536 });
});

void test('a bad rate limit names its line and says what was expected', () => {
  assert.deepEqual(
    problems([
      'version: 1',
      'rules:',
      '  - id: a',
      '    rate_limit: { requests: 0, per: "30", burst: 1.5, by: ip }',
      '  - id: b',
      '    rate_limit: { per: 0s, window: 1m }',
      '',
    ]),
    [
      '4:29 rules[0].rate_limit.requests: expected a whole number from 1 to 1000000 (requests per window); got 0',
      "4:37 rules[0].rate_limit.per: '30' has no unit; write 30ms or 30s (a bare number, unquoted, means milliseconds)",
      '4:50 rules[0].rate_limit.burst: expected a whole number from 1 to 1000000 (requests at once); got 1.5',
      "4:59 rules[0].rate_limit.by: expected one of identity, session, agent, tenant, host; got 'ip'",
      '6:17 rules[1].rate_limit.requests: expected a whole number from 1 to 1000000 (requests per window); got nothing',
      '6:24 rules[1].rate_limit.per: expected a duration longer than 0, like 30s',
      "6:28 rules[1].rate_limit.window: unknown key 'window'; allowed keys: requests, per, burst, by",
    ],
  );
});

void test('a deny rule cannot have a rate limit (an MCP tool rule can); rate_limits keys are checked', () => {
  assert.deepEqual(
    problems([
      'version: 1',
      'rules:',
      '  - id: no',
      '    action: deny',
      '    rate_limit: { requests: 1, per: 1s }',
      '  - id: tool',
      '    mcp: { tools: [x] }',
      '    rate_limit: { requests: 1, per: 1s }',
      'rate_limits:',
      '  per_agent: { requests: 1, per: 1s }',
      '  per_host: { requests: 1, per: 1s, by: identity }',
      '  max_buckets: 3',
      '',
    ]),
    [
      "5:17 rules[0].rate_limit: a deny rule cannot have 'rate_limit'; it only applies to allowed requests",
      "10:3 rate_limits.per_agent: unknown key 'per_agent'; allowed keys: per_identity, per_host, max_buckets",
      "11:37 rate_limits.per_host.by: unknown key 'by'; allowed keys: requests, per, burst",
      '12:16 rate_limits.max_buckets: expected a whole number from 16 to 10000000 (buckets); got 3',
    ],
  );
});
