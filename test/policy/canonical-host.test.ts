/**
 * IP patterns and request hosts meet in one canonical text: in the config loader's
 * parsers, in compilePolicy (for library callers that skip the config), and in
 * decide/explain.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCidr } from '../../src/config/cidr.js';
import { parseHostPattern } from '../../src/config/host-pattern.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { decide } from '../../src/policy/decide.js';
import { compileServerPattern } from '../../src/inspect/mcp/tool-glob.js';
import { explain } from '../../src/policy/explain.js';

const PATTERNS: [string, string][] = [
  ['0:0:0:0:0:0:0:1', '::1'],
  ['[0:0:0:0:0:0:0:1]', '::1'],
  ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
  ['::ffff:127.0.0.2', '127.0.0.2'],
  ['[::FFFF:7F00:2]', '127.0.0.2'],
  ['::127.0.0.2', '127.0.0.2'],
  ['10.0.0.5', '10.0.0.5'],
];
for (const [written, canonical] of PATTERNS) {
  void test(`config host pattern ${written} is stored as ${canonical}`, () => {
    assert.equal(parseHostPattern(written), canonical);
  });
}

const CIDRS: [string, string][] = [
  ['0:0:0:0:0:0:0:1', '::1/128'],
  ['::ffff:10.0.0.0/104', '10.0.0.0/8'],
  ['::ffff:127.0.0.2', '127.0.0.2/32'],
  ['::127.0.0.2', '127.0.0.2/32'],
  ['FD00:0:0:0:0:0:0:0/8', 'fd00::/8'],
  ['::/96', '::/96'],
  ['::1', '::1/128'],
];
for (const [written, canonical] of CIDRS) {
  void test(`allow_private ${written} is stored as ${canonical}`, () => {
    assert.equal(parseCidr(written), canonical);
  });
}

void test('compilePolicy canonicalises IP patterns itself, and decide reads every spelling of a request host', () => {
  const policy = compilePolicy(
    [
      { id: 'v6', hosts: ['0:0:0:0:0:0:0:1'], action: 'deny' },
      { id: 'mapped', hosts: ['::ffff:127.0.0.2'], action: 'deny' },
      { id: 'rest', hosts: ['*'] },
    ],
    'v1',
  );
  const at = (host: string): string => decide({ scheme: 'http', host, port: 80, method: 'GET', path: '/' }, policy).rule;
  for (const h of ['::1', '[::1]', '0:0::1']) assert.equal(at(h), 'v6', h);
  for (const h of ['127.0.0.2', '::ffff:127.0.0.2', '[::ffff:7f00:2]', '::127.0.0.2']) {
    assert.equal(at(h), 'mapped', h);
    assert.equal(explain({ scheme: 'http', host: h, port: 80, method: 'GET', path: '/' }, null, policy).decision.rule, 'mapped', h);
  }
  assert.equal(at('127.0.0.3'), 'rest');
});

void test('MCP server patterns (tool rules) compare IP literals canonically too', () => {
  assert.equal(compileServerPattern('0:0:0:0:0:0:0:1')({ host: '[::1]' }), true);
  assert.equal(compileServerPattern('::ffff:10.0.0.1')({ host: '10.0.0.1' }), true);
  assert.equal(compileServerPattern('10.0.0.1')({ host: '::ffff:a00:1' }), true);
  assert.equal(compileServerPattern('*.example.com')({ host: 'A.Example.com.' }), true);
  assert.equal(compileServerPattern('10.0.0.1')({ host: '10.0.0.2' }), false);
});
