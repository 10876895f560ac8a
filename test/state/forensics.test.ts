/**
 * state/forensics.ts: a start is seen by another connection (as a gate sees the CLI's
 * row), a stop ends it, `--for` ends it by itself, names are checked.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SqliteForensicsStore } from '../../src/state/forensics.js';

void test('start in one store, seen by a watching one; stop ends it; a timed entry ends by itself', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-forensics-'));
  let clock = 1_000_000;
  const gate = SqliteForensicsStore.open(dir, { pollMs: 10, now: () => clock });
  const cli = SqliteForensicsStore.open(dir, { watch: false, now: () => clock });
  try {
    assert.equal(gate.active('ses_1'), null);
    const e = await cli.start({ session: 'ses_1', reason: 'INC-1' });
    assert.equal(e.session, 'ses_1');
    assert.equal(e.expiresAt, null);
    // The watching store loads the row on its next poll.
    for (let i = 0; i < 200 && gate.active('ses_1') === null; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(gate.active('ses_1')?.reason, 'INC-1');
    assert.equal(gate.active('ses_2'), null);

    await cli.start({ session: 'ses_2', forMs: 60_000 });
    for (let i = 0; i < 200 && gate.active('ses_2') === null; i++) await new Promise((r) => setTimeout(r, 10));
    assert.notEqual(gate.active('ses_2'), null);
    clock += 60_000;
    assert.equal(gate.active('ses_2'), null, 'past its --for');
    assert.deepEqual(
      gate.list().map((x) => x.session),
      ['ses_1'],
    );

    assert.equal((await cli.stop('ses_1'))?.session, 'ses_1');
    assert.equal(await cli.stop('ses_1'), null, 'already stopped');
    for (let i = 0; i < 200 && gate.active('ses_1') !== null; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(gate.active('ses_1'), null);

    await assert.rejects(cli.start({ session: 'bad session/..' }), /session/);
    await assert.rejects(cli.start({ session: 'ses_3', forMs: -1 }), /positive/);
  } finally {
    await gate.close();
    await cli.close();
  }
});
