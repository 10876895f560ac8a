import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { parseConfig } from '../../src/config/load.js';
import { exampleConfig, starterConfig } from '../../src/config/starter.js';

const FILE = '/etc/sluice/sluice.yaml';

void test('the README example parses as written', () => {
  const { config } = parseConfig(exampleConfig, FILE);
  assert.deepEqual(config.listen, { host: '127.0.0.1', port: 8877 });
  assert.deepEqual(config.dns.hosts, { 'api.upstream.test': '127.0.0.1' });
  assert.deepEqual(config.network.allow_private, ['127.0.0.1/32']);
  assert.equal(config.tls.upstream_ca, '/etc/sluice/upstream-ca.pem');
  assert.deepEqual(config.rules, [{ id: 'upstream', hosts: ['api.upstream.test'] }]);
});

void test('the example text is exactly what the README documents', () => {
  assert.equal(
    exampleConfig,
    [
      'version: 1',
      'listen: 127.0.0.1:8877',
      'dns:',
      '  hosts:',
      '    api.upstream.test: 127.0.0.1',
      'network:',
      '  allow_private: [127.0.0.1/32]',
      'tls:',
      '  upstream_ca: ./upstream-ca.pem',
      'rules:',
      '  - id: upstream',
      '    hosts: [api.upstream.test]',
      '',
    ].join('\n'),
  );
});

void test('the starter config parses to deny-by-default on 127.0.0.1:8877 with zero rules', () => {
  const text = starterConfig();
  const { config } = parseConfig(text, FILE);
  assert.deepEqual(config.rules, []);
  assert.deepEqual(config.listen, { host: '127.0.0.1', port: 8877 });
  assert.match(text, /deny by default/);
  assert.match(text, /^ {2}# - id: /m, 'shows an example rule, commented out');
});

void test('uncommenting the starter example rule gives a valid rule', () => {
  const text = starterConfig().replace(/^ {2}# ( *- id:.*\n) {2}# ( *hosts:.*)$/m, '  $1  $2');
  const { config } = parseConfig(text, FILE);
  assert.equal(config.rules.length, 1);
});

void test('a minimal file gets every default', () => {
  const loaded = parseConfig('version: 1\n', FILE);
  assert.deepEqual(loaded.config, {
    version: 1,
    listen: { host: '127.0.0.1', port: 8877 },
    workers: 1,
    data_dir: '/etc/sluice',
    dns: { hosts: {}, cache_ttl: 30_000 },
    network: { allow_private: [] },
    tls: {
      ca_cert: '/etc/sluice/ca.pem',
      ca_key: '/etc/sluice/ca-key.pem',
      upstream_ca: undefined,
      passthrough: [],
      leaf_cache_size: 1000,
    },
    timeouts: { idle: 60_000, headers: 30_000, tls_handshake: 10_000, upstream_connect: 10_000, upstream_response: 60_000, drain: 30_000 },
    limits: {
      max_header_bytes: 32_768,
      max_connections: 4096,
      max_connections_per_identity: 128,
      max_unidentified_per_ip: 128,
      max_in_flight_per_identity: 256,
      max_pipelined_per_connection: 16,
      max_memory_bytes: 0,
    },
    rate_limits: { max_buckets: 65_536 },
    budgets: {},
    llm: { apis: [], detect_by_path: true, prices: {} },
    log: { level: 'info', file: undefined, format: 'json' },
    rules: [],
    routes: {},
    identity: { required: true, max_ttl: 86_400_000 },
    audit: {
      sqlite: true,
      jsonl: false,
      fail_closed: 'all',
      durability: 'process',
      spool_max: 268435456,
      chain: { checkpoint_records: 1000, checkpoint_ms: 60_000 },
      export: [],
    },
    inspect: {
      dlp: { action: 'block', patterns: {}, extra_patterns: [], known_secrets: [], max_body_bytes: 4 * 1024 * 1024, on_incomplete: 'block', hostnames: true },
      injection: 'block',
      injection_disabled: [],
      response_hold_bytes: 256 * 1024,
      response_hold_ms: 50,
      scan_budget_ms: 5000,
      max_response_scan_bytes: 4 * 1024 * 1024,
      max_decompressed_bytes: 64 * 1024 * 1024,
      max_decompression_ratio: 200,
      websocket: { max_message_bytes: 1024 * 1024, binary: 'allow', max_binary_bytes: 16 * 1024 * 1024 },
    },
    mcp: { servers: {}, default: 'deny', pinning: 'enforce', max_message_bytes: 4 * 1024 * 1024, chain: 'block', scan_args_injection: true },
    a2a: { card_pinning: 'enforce', max_message_bytes: 4 * 1024 * 1024 },
    control: { socket: '/etc/sluice/control.sock', mint: [] },
    middleware: [],
    state: { backend: 'sqlite', namespace: 'sluice', redis_down: 'refuse' },
    broker: { token_skew: 60_000, token_cache_size: 10_000, token_timeout: 10_000, issuer: 'sluice' },
    approvals: { hold: 30_000, timeout: 900_000, mode: 'ask', roles: {}, max_body_bytes: 1_048_576, max_pending_per_session: 20 },
    blast_radius: { critical_write_domains: 1, mcp_max_chain_depth: 0, max_sessions: 10_000 },
    admin: { console: true, max_token_ttl: 604_800_000, metrics: true, policy_history: 50 },
    telemetry: { service_name: 'sluice' },
  });
  assert.equal(loaded.file, FILE);
  assert.equal(loaded.dir, '/etc/sluice');
  assert.equal(loaded.raw, 'version: 1\n');
  assert.equal(loaded.version, createHash('sha256').update('version: 1\n').digest('hex').slice(0, 12));
  assert.match(loaded.version, /^[0-9a-f]{12}$/);
});

void test('empty sections and an empty rules list count as absent', () => {
  const { config } = parseConfig('version: 1\ndns:\nnetwork:\ntls:\ntimeouts:\nlimits:\nlog:\n  file:\nrules:\n', FILE);
  assert.equal(config.timeouts.idle, 60_000);
  assert.equal(config.log.file, undefined);
  assert.deepEqual(config.rules, []);
});

void test('relative paths resolve against the config folder; CA files default into data_dir', () => {
  const text = ['version: 1', 'data_dir: state', 'tls:', '  upstream_ca: ../shared/ca.pem', 'log:', '  file: logs/sluice.log', ''].join('\n');
  const { config } = parseConfig(text, '/srv/sluice/conf/sluice.yaml');
  assert.equal(config.data_dir, '/srv/sluice/conf/state');
  assert.equal(config.tls.ca_cert, '/srv/sluice/conf/state/ca.pem');
  assert.equal(config.tls.ca_key, '/srv/sluice/conf/state/ca-key.pem');
  assert.equal(config.tls.upstream_ca, '/srv/sluice/shared/ca.pem');
  assert.equal(config.log.file, '/srv/sluice/conf/logs/sluice.log');
});

void test('explicit CA paths are relative to the config file, absolute paths are kept', () => {
  const text = 'version: 1\ndata_dir: /var/lib/sluice\ntls:\n  ca_cert: certs/ca.pem\n  ca_key: /keys/ca-key.pem\n';
  const { config } = parseConfig(text, '/etc/sluice/sluice.yaml');
  assert.equal(config.data_dir, '/var/lib/sluice');
  assert.equal(config.tls.ca_cert, '/etc/sluice/certs/ca.pem');
  assert.equal(config.tls.ca_key, '/keys/ca-key.pem');
});

void test('values come out parsed and normalised', () => {
  const text = [
    'version: 1',
    'listen: "[::1]:0"',
    'dns:',
    '  hosts: { API.Upstream.Test: "::1" }',
    '  cache_ttl: 0',
    'network:',
    '  allow_private: [10.0.0.0/8, "fd00::1"]',
    'tls:',
    '  passthrough: ["*.Bank.example", bank.example]',
    '  leaf_cache_size: 5',
    'timeouts: { idle: 1500, headers: 1m30s, tls_handshake: 500ms, upstream_connect: 2s, upstream_response: 1h }',
    'limits: { max_header_bytes: 1024 }',
    'log: { level: debug, file: "" }',
    'rules:',
    '  - id: a.b_c-1',
    '    hosts: ["*.Example.com", "[::1]", 10.0.0.1]',
    '',
  ].join('\n');
  const { config } = parseConfig(text, FILE);
  assert.deepEqual(config.listen, { host: '::1', port: 0 });
  assert.deepEqual(config.dns, { hosts: { 'api.upstream.test': '::1' }, cache_ttl: 0 });
  assert.deepEqual(config.network.allow_private, ['10.0.0.0/8', 'fd00::1/128']);
  assert.deepEqual(config.tls.passthrough, ['*.bank.example', 'bank.example']);
  assert.equal(config.tls.leaf_cache_size, 5);
  assert.deepEqual(config.timeouts, { idle: 1500, headers: 90_000, tls_handshake: 500, upstream_connect: 2000, upstream_response: 3_600_000, drain: 30_000 });
  assert.equal(config.limits.max_header_bytes, 1024);
  assert.deepEqual(config.log, { level: 'debug', file: undefined, format: 'json' });
  assert.deepEqual(config.rules, [{ id: 'a.b_c-1', hosts: ['*.example.com', '::1', '10.0.0.1'] }]);
});
