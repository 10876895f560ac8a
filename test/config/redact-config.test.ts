import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { redactPlan } from '../../src/policy/redact-plan.js';

const FILE = '/etc/sluice/sluice.yaml';

function messages(yaml: string): string[] {
  try {
    parseConfig(yaml, FILE);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`);
  }
  assert.fail('expected the config to be refused');
}

void test('redact: on HTTP and MCP tool rules loads, and the plan parses each list once, by rule id', () => {
  const c = parseConfig(
    [
      'version: 1',
      'rules:',
      '  - id: crm',
      '    hosts: [crm.test]',
      "    redact: [ssn, '$.a[*].b']",
      '  - id: tools',
      '    mcp: { tools: [crm.*] }',
      '    redact: [token]',
    ].join('\n'),
    FILE,
  );
  const plan = redactPlan(c.config.rules);
  assert.deepEqual(
    [...plan].map(([id, specs]) => [id, specs.map((s) => s.text)]),
    [
      ['crm', ['ssn', '$.a[*].b']],
      ['tools', ['token']],
    ],
  );
});

void test('a bad entry names its line and what was expected; a deny rule cannot redact; the list is not empty', () => {
  assert.deepEqual(messages(['version: 1', 'rules:', '  - id: crm', '    hosts: [crm.test]', "    redact: [ssn, '$.a[']"].join('\n')), [
    "5:19 rules[0].redact[1]: in '$.a[' at character 4: expected '.name', '[N]', '[*]', \"['name']\" or '..name' (paths look like $.user.ssn, $.items[*].token, $['a b'], $..password)",
  ]);
  assert.deepEqual(messages(['version: 1', 'rules:', '  - id: crm', '    hosts: [crm.test]', '    action: deny', '    redact: [ssn]'].join('\n')), [
    "6:13 rules[0].redact: a deny rule cannot have 'redact'; it only applies to allowed requests",
  ]);
  const empty = messages(['version: 1', 'rules:', '  - id: crm', '    redact: []'].join('\n'));
  assert.equal(empty.length, 1);
  assert.match(empty[0]!, /rules\[0\]\.redact: expected at least one field/);
});
