import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, ErrorCode } from '../../src/errors.js';
import type { ConfigProblem } from '../../src/errors.js';
import { parseConfig } from '../../src/config/load.js';

const FILE = '/etc/sluice/sluice.yaml';

/** Every problem parseConfig reports for `lines`, without the (always identical) file name. */
function problemsIn(lines: string[]): Omit<ConfigProblem, 'file'>[] {
  try {
    parseConfig(lines.join('\n'), FILE);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.equal(err.code, ErrorCode.CONFIG_INVALID);
    return err.problems.map(({ file, ...rest }) => {
      assert.equal(file, FILE);
      return rest;
    });
  }
  assert.fail('expected parseConfig to throw');
}

void test('a YAML syntax error names its line and column, and the message reads file:line:col', () => {
  const lines = ['version: 1', 'log:', '  level: info', ' file: x.log'];
  assert.deepEqual(problemsIn(lines), [{ line: 4, column: 1, path: '', message: 'YAML syntax error: All mapping items must start at the same column' }]);
  assert.throws(() => parseConfig(lines.join('\n'), FILE), {
    message: `${FILE}:4:1: YAML syntax error: All mapping items must start at the same column`,
  });
  assert.deepEqual(problemsIn(['version: 1', 'log:', '\tlevel: info']), [
    { line: 3, column: 1, path: '', message: 'YAML syntax error: Tabs are not allowed as indentation' },
  ]);
});

void test('syntax errors are reported alone: schema checks on a broken document would only add noise', () => {
  assert.deepEqual(problemsIn(['bogus: 1', 'rules: [a, b', 'listen: x']), [
    { line: 3, column: 1, path: '', message: 'YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]' },
  ]);
});

void test('an unknown top-level key points at the key and lists the allowed keys', () => {
  assert.deepEqual(problemsIn(['version: 1', 'listen: 127.0.0.1:8877', 'allow: [x]']), [
    {
      line: 3,
      column: 1,
      path: 'allow',
      message:
        "unknown key 'allow'; allowed keys: version, listen, workers, data_dir, dns, network, tls, timeouts, limits, rate_limits, budgets, llm, log, rules, routes, identity, audit, inspect, mcp, a2a, control, middleware, state, broker, approvals, blast_radius, admin, telemetry",
    },
  ]);
});

void test('an unknown key in a rule points at that key, one problem per key', () => {
  const lines = ['version: 1', 'rules:', '  - id: a', '    hosts: [a.test]', '    allow: true', '    who: me'];
  const allowed =
    'allowed keys: id, tenants, agents, labels, hosts, ports, schemes, methods, paths, case_sensitive, intent, action, mode, credential, route, respond, headers, inspect, rate_limit, redact, effect, mcp, approval, tags';
  assert.deepEqual(problemsIn(lines), [
    { line: 5, column: 5, path: 'rules[0].allow', message: `unknown key 'allow'; ${allowed}` },
    { line: 6, column: 5, path: 'rules[0].who', message: `unknown key 'who'; ${allowed}` },
  ]);
});

void test('a wrong type says what was expected and what was given', () => {
  const lines = ['version: 1', 'timeouts: 30s', 'rules:', '  - id: 7', '    hosts: api.test'];
  assert.deepEqual(problemsIn(lines), [
    { line: 2, column: 11, path: 'timeouts', message: "expected a map of key: value pairs; got '30s'" },
    { line: 4, column: 9, path: 'rules[0].id', message: "expected a string; got 7; put it in quotes if you mean the text '7'" },
    { line: 5, column: 12, path: 'rules[0].hosts', message: "expected a list; got 'api.test'" },
  ]);
});

void test('a file that is a list, not a map, is refused at its first line', () => {
  assert.deepEqual(problemsIn(['- version: 1']), [{ line: 1, column: 1, path: '', message: 'expected a map of key: value pairs; got a list' }]);
});

void test('a missing required key points at the map that should hold it', () => {
  // `hosts` is optional (absent = any host); `id` is what every rule must have.
  assert.deepEqual(problemsIn(['# no version', 'listen: 127.0.0.1:9000', 'rules:', '  - hosts: [a.test]']), [
    { line: 2, column: 1, path: 'version', message: "missing: the file must say 'version: 1'" },
    { line: 4, column: 5, path: 'rules[0].id', message: 'missing: this key is required (a string)' },
  ]);
});

void test('a wrong version says which versions exist', () => {
  assert.deepEqual(problemsIn(['version: 2']), [{ line: 1, column: 10, path: 'version', message: 'expected 1, the only config version so far; got 2' }]);
});

void test('a bad listen address says what was expected', () => {
  assert.deepEqual(problemsIn(['version: 1', 'listen: 8877']), [
    { line: 2, column: 9, path: 'listen', message: 'expected HOST:PORT like 127.0.0.1:8877; got the number 8877 (did you mean 127.0.0.1:8877?)' },
  ]);
  assert.deepEqual(problemsIn(['version: 1', 'listen: ::1:8877']), [
    { line: 2, column: 9, path: 'listen', message: 'IPv6 addresses need brackets: [::1]:8877' },
  ]);
  assert.deepEqual(problemsIn(['version: 1', 'listen: 127.0.0.1:99999']), [
    {
      line: 2,
      column: 9,
      path: 'listen',
      message: "port '99999' must be a whole number from 0 to 65535; expected HOST:PORT like 127.0.0.1:8877 (IPv6 as [::1]:8877)",
    },
  ]);
});

void test('a bad CIDR points at the list item', () => {
  const lines = ['version: 1', 'network:', '  allow_private:', '    - 10.0.0.0/8', '    - 10.0.0.0/40', '    - intranet'];
  assert.deepEqual(problemsIn(lines), [
    { line: 5, column: 7, path: 'network.allow_private[1]', message: "prefix /40 is out of range for IPv4 (0 to 32) in '10.0.0.0/40'" },
    {
      line: 6,
      column: 7,
      path: 'network.allow_private[2]',
      message: "'intranet' is not an IP address; expected a CIDR like 10.0.0.0/8 or fd00::/8, or a single IP address",
    },
  ]);
});

void test('a bad duration says how to write one; an empty one points at its key', () => {
  const lines = ['version: 1', 'timeouts:', '  idle: 2 days', '  headers: "30"', '  upstream_connect:', '  upstream_response: 0', 'dns: { cache_ttl: -1 }'];
  assert.deepEqual(problemsIn(lines), [
    { line: 3, column: 9, path: 'timeouts.idle', message: "unknown unit 'days' in '2 days'; use ms, s, m or h (for example 30s)" },
    { line: 4, column: 12, path: 'timeouts.headers', message: "'30' has no unit; write 30ms or 30s (a bare number, unquoted, means milliseconds)" },
    {
      line: 5,
      column: 3,
      path: 'timeouts.upstream_connect',
      message: 'expected a duration like 500ms, 30s, 5m or 1h, or a number of milliseconds; got an empty value',
    },
    { line: 6, column: 22, path: 'timeouts.upstream_response', message: 'expected a duration longer than 0, like 30s' },
    { line: 7, column: 19, path: 'dns.cache_ttl', message: 'a duration cannot be negative; got -1' },
  ]);
});

void test('a dns.hosts value that is not an IP literal, and a wildcard name, are refused', () => {
  const lines = ['version: 1', 'dns:', '  hosts:', '    api.upstream.test: upstream.internal', '    "*.upstream.test": 10.0.0.1'];
  assert.deepEqual(problemsIn(lines), [
    { line: 4, column: 24, path: 'dns.hosts["api.upstream.test"]', message: "expected an IP address like 127.0.0.1 or ::1; got 'upstream.internal'" },
    { line: 5, column: 5, path: 'dns.hosts["*.upstream.test"]', message: "'*.upstream.test' must be an exact host name; wildcards are not allowed here" },
  ]);
});

void test('a duplicate rule id names the line of the first', () => {
  const lines = [
    'version: 1',
    'rules:',
    '  - id: github',
    '    hosts: [api.github.com]',
    '  - id: other',
    '    hosts: [other.test]',
    '  - id: github',
    '    hosts: [github.com]',
  ];
  assert.deepEqual(problemsIn(lines), [{ line: 7, column: 9, path: 'rules[2].id', message: "duplicate rule id 'github' (first at line 3)" }]);
});

void test('a duplicate rule id is reported even when another rule has a problem', () => {
  // A wrong type and a bad host abort their rule's checks in zod; the id check must still run.
  const lines = ['version: 1', 'rules:', '  - id: a', '    hosts: nope', '  - id: a', '    hosts: ["a.*"]', '  - id: a', '    hosts: []'];
  assert.deepEqual(problemsIn(lines), [
    { line: 4, column: 12, path: 'rules[0].hosts', message: "expected a list; got 'nope'" },
    { line: 5, column: 9, path: 'rules[1].id', message: "duplicate rule id 'a' (first at line 3)" },
    { line: 6, column: 13, path: 'rules[1].hosts[0]', message: "'*' is only allowed as the whole first label, like '*.example.com'; got 'a.*'" },
    { line: 7, column: 9, path: 'rules[2].id', message: "duplicate rule id 'a' (first at line 3)" },
    { line: 8, column: 12, path: 'rules[2].hosts', message: 'expected at least one host, like [api.example.com]' },
  ]);
});

void test('a duplicate YAML key is an error naming the first, at any depth; the later value is the one checked', () => {
  const lines = ['version: 1', 'listen: 127.0.0.1:8877', 'log:', '  level: info', '  level: loud', 'listen: nowhere'];
  assert.deepEqual(problemsIn(lines), [
    { line: 5, column: 3, path: 'log.level', message: "duplicate key 'level' (first at line 4); a key may appear only once in a map" },
    { line: 5, column: 10, path: 'log.level', message: "expected one of fatal, error, warn, info, debug, trace, silent; got 'loud'" },
    { line: 6, column: 1, path: 'listen', message: "duplicate key 'listen' (first at line 2); a key may appear only once in a map" },
    { line: 6, column: 9, path: 'listen', message: "expected HOST:PORT like 127.0.0.1:8877 (IPv6 as [::1]:8877); got 'nowhere', which has no port" },
  ]);
});

void test('an empty file, or one with only comments, is a clear error', () => {
  const expected = [{ line: 1, column: 1, path: '', message: "the file has no settings; expected a map starting with 'version: 1'" }];
  assert.deepEqual(problemsIn(['']), expected);
  assert.deepEqual(problemsIn(['# nothing here yet', '']), expected);
  assert.deepEqual(problemsIn(['---', '']), expected);
});

void test('a bare * is an explicit any-host pattern', () => {
  const { config } = parseConfig(['version: 1', 'rules:', '  - id: any', '    hosts: ["*"]', ''].join('\n'), '/etc/sluice/sluice.yaml');
  assert.deepEqual(config.rules[0]?.hosts, ['*']);
});

void test('bad wildcards in rule hosts and passthrough point at the item', () => {
  const lines = [
    'version: 1',
    'tls:',
    '  passthrough: ["bank.*"]',
    'rules:',
    '  - id: w',
    '    hosts:',
    '      - "**.example.com"',
    '      - "*"',
    '      - "api.*.example.com"',
    '      - "*.example.com"',
  ];
  assert.deepEqual(problemsIn(lines), [
    { line: 3, column: 17, path: 'tls.passthrough[0]', message: "'*' is only allowed as the whole first label, like '*.example.com'; got 'bank.*'" },
    { line: 7, column: 9, path: 'rules[0].hosts[0]', message: "'**' is not allowed in '**.example.com'; write '*.example.com' to match subdomains" },
    { line: 9, column: 9, path: 'rules[0].hosts[2]', message: "'*' is only allowed as the whole first label, like '*.example.com'; got 'api.*.example.com'" },
  ]);
});

void test('out-of-range numbers and unknown log levels state the allowed range', () => {
  const lines = [
    'version: 1',
    'limits:',
    '  max_header_bytes: 100',
    'tls:',
    '  leaf_cache_size: 0',
    'log:',
    '  level: verbose',
    'rules:',
    '  - id: "has space"',
    '    hosts: [a.test]',
  ];
  assert.deepEqual(problemsIn(lines), [
    { line: 3, column: 21, path: 'limits.max_header_bytes', message: 'expected a whole number from 1024 to 1048576 (bytes); got 100' },
    { line: 5, column: 20, path: 'tls.leaf_cache_size', message: 'expected a whole number 1 or more; got 0' },
    { line: 7, column: 10, path: 'log.level', message: "expected one of fatal, error, warn, info, debug, trace, silent; got 'verbose'" },
    { line: 9, column: 9, path: 'rules[0].id', message: "expected an id made of letters, digits, '.', '_' or '-'; got 'has space'" },
  ]);
});

void test('one ConfigError lists every problem, top to bottom', () => {
  const text = ['version: 1', 'bogus: true', 'listen: nope', 'rules:', '  - id: x', '    hosts: ["a.*"]'].join('\n');
  assert.throws(
    () => parseConfig(text, FILE),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(
        err.message,
        [
          `${FILE}:2:1: bogus: unknown key 'bogus'; allowed keys: version, listen, workers, data_dir, dns, network, tls, timeouts, limits, rate_limits, budgets, llm, log, rules, routes, identity, audit, inspect, mcp, a2a, control, middleware, state, broker, approvals, blast_radius, admin, telemetry`,
          `${FILE}:3:9: listen: expected HOST:PORT like 127.0.0.1:8877 (IPv6 as [::1]:8877); got 'nope', which has no port`,
          `${FILE}:6:13: rules[0].hosts[0]: '*' is only allowed as the whole first label, like '*.example.com'; got 'a.*'`,
        ].join('\n'),
      );
      return true;
    },
  );
});
