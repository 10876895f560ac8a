/**
 * `telemetry.otlp.logs: true`: the real `sluice start` exports its log lines as OTLP
 * logs to a local collector (and its traces beside them), with pino's levels as OTel
 * severities; without it, nothing is sent.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { initDir, startCliGate } from '../helpers/cli.js';
import { startCollector, type Collector } from '../helpers/otlp-collector.js';

describe('logs over OTLP from sluice start', () => {
  let collector: Collector;
  before(async () => {
    collector = await startCollector();
  });
  after(async () => {
    await collector.close();
  });

  test("the gate's log lines reach the collector as log records", async () => {
    const { configFile } = await initDir(`
telemetry:
  service_name: sluice-logs-test
  otlp:
    endpoint: ${collector.url}/
    logs: true
`);
    const gate = await startCliGate(configFile);
    const stopped = await gate.stop('SIGTERM');
    assert.equal(stopped.code, 0, gate.stderr());
    const logs = collector.logs();
    assert.ok(
      collector.paths.some((p) => p.startsWith('POST /v1/logs application/json')),
      collector.paths.join('\n'),
    );
    const started = logs.find((l) => l.body?.stringValue === 'gate started');
    assert.ok(started, logs.map((l) => l.body?.stringValue).join(', '));
    assert.equal(started.severityText, 'INFO');
    assert.equal(started.severityNumber, 9);
    assert.ok(started.attributes.some((a) => a.key === 'policy_version'));
    assert.ok(logs.some((l) => l.body?.stringValue === 'stopping'));
    assert.ok(
      collector.bodies.some((b) => b.includes('sluice-logs-test')),
      'service.name on the resource',
    );
  });

  test('logs off (the default): no request reaches the collector', async () => {
    const before = collector.paths.length;
    const { configFile } = await initDir(`
telemetry:
  otlp:
    endpoint: ${collector.url}
`);
    const gate = await startCliGate(configFile);
    await gate.stop('SIGTERM');
    // Traces are on (no exchange, so no span is exported); logs are not.
    assert.deepEqual(
      collector.paths.slice(before).filter((p) => p.includes('/v1/logs')),
      [],
    );
  });
});
