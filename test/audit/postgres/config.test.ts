/** `audit.spool_max` (sizes in the config) and the replica's name in the shared trail. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseByteSize } from '../../../src/config/byte-size.js';
import { parseConfig } from '../../../src/config/load.js';
import { writerId } from '../../../src/audit/postgres/writer-id.js';

test('sizes: bytes, or a number with a unit (KiB/MiB/GiB powers of 1024, KB/MB/GB of 1000)', () => {
  assert.equal(parseByteSize(4096), 4096);
  assert.equal(parseByteSize('256MiB'), 256 * 1024 * 1024);
  assert.equal(parseByteSize('1GiB'), 1024 ** 3);
  assert.equal(parseByteSize('500MB'), 500e6);
  assert.equal(parseByteSize('1.5 kib'), 1536);
  assert.equal(parseByteSize('100'), 100);
  for (const bad of ['', 'lots', '5 parsecs', '-1MiB', -1, 1.5, true, null]) assert.throws(() => parseByteSize(bad), TypeError, String(bad));
});

test('audit.spool_max: 256MiB by default, parsed, at least 1 MiB', () => {
  assert.equal(parseConfig('version: 1\n', '/etc/sluice/sluice.yaml').config.audit.spool_max, 256 * 1024 * 1024);
  assert.equal(parseConfig('version: 1\naudit:\n  spool_max: 64MiB\n', '/etc/sluice/sluice.yaml').config.audit.spool_max, 64 * 1024 * 1024);
  assert.throws(() => parseConfig('version: 1\naudit:\n  spool_max: 10KiB\n', '/etc/sluice/sluice.yaml'), /audit\.spool_max: expected at least 1048576 bytes/);
  assert.throws(() => parseConfig('version: 1\naudit:\n  spool_max: big\n', '/etc/sluice/sluice.yaml'), /audit\.spool_max: expected a size like 64MiB/);
});

test('writer id: SLUICE_REPLICA_ID, else the host and a hash of the data directory (stable, distinct per directory)', () => {
  assert.equal(writerId('/srv/a', { SLUICE_REPLICA_ID: 'gate-0' }), 'gate-0');
  const a = writerId('/srv/a', {});
  assert.equal(writerId('/srv/a/', {}), a);
  assert.notEqual(writerId('/srv/b', {}), a);
  assert.match(a, /:[0-9a-f]{8}$/);
});
