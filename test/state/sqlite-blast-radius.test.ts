import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { BlastRadius, needsApproval, sessionKey } from '../../src/state/blast-radius.js';
import { openBlastRadiusStore } from '../../src/state/sqlite-blast-radius.js';
import { openRuntime } from '../../src/runtime/index.js';
import { stateBackend } from '../../src/runtime/state-backend.js';

const S1 = sessionKey({ tenant: 'acme', session: 's1' })!;
const S2 = sessionKey({ tenant: 'acme', session: 's2' })!;

describe('blast radius stores', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-blast-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('needsApproval: past the limit, for a domain not yet written', () => {
    assert.equal(needsApproval([], 'db.example', 1), false);
    assert.equal(needsApproval(['db.example'], 'db.example', 1), false);
    assert.equal(needsApproval(['db.example'], 'billing.example', 1), true);
    assert.equal(needsApproval(['db.example'], 'billing.example', 2), false);
  });

  test('memory and SQLite stores agree on the same calls', async () => {
    const sqlite = openBlastRadiusStore(dir, { maxSessions: 100 });
    try {
      for (const s of [new BlastRadius(100), sqlite]) {
        const k = sessionKey({ tenant: 'agree', session: s === sqlite ? 'b' : 'a' })!;
        assert.deepEqual(s.domains(k), []);
        s.wrote(k, 'db.example');
        s.wrote(k, 'db.example');
        s.wrote(k, 'billing.example');
        assert.deepEqual(s.domains(k), ['db.example', 'billing.example']);
        assert.equal(s.toolCall(k, 2), true);
        assert.equal(s.toolCall(k, 2), true);
        assert.equal(s.toolCall(k, 2), false);
        assert.equal(s.toolCall(k, 0), true, '0: no cap');
      }
    } finally {
      await sqlite.close();
    }
  });

  test('survives reopening, and two connections (two processes) see each other at once', async () => {
    const a = openBlastRadiusStore(dir);
    const b = openBlastRadiusStore(dir);
    try {
      a.wrote(S1, 'db.example');
      assert.deepEqual(b.domains(S1), ['db.example'], 'written through: the other process reads it');
      assert.equal(needsApproval(b.domains(S1), 'billing.example', 1), true);
      // Tool calls counted by both add up to one cap.
      const seen: boolean[] = [];
      for (let i = 0; i < 3; i++) seen.push(a.toolCall(S2, 4), b.toolCall(S2, 4));
      assert.deepEqual(seen, [true, true, true, true, false, false]);
    } finally {
      await a.close();
      await b.close();
    }
    const c = openBlastRadiusStore(dir);
    try {
      assert.deepEqual(c.domains(S1), ['db.example']);
      assert.equal(c.toolCall(S2, 4), false, 'the count survived');
      assert.equal(c.toolCall(S2, 5), true, 'a larger cap (a reload) allows more');
    } finally {
      await c.close();
    }
  });

  test('bounded by maxSessions: the least recently seen are forgotten', async () => {
    const d = await mkdtemp(join(tmpdir(), 'sluice-blast-bound-'));
    try {
      let now = 1;
      const s = openBlastRadiusStore(d, { maxSessions: 64, now: () => now++ });
      for (let i = 0; i < 300; i++) s.wrote(`t\u0000s${i}`, 'db.example');
      // Seen again recently: kept.
      assert.deepEqual(s.domains('t\u0000s299'), ['db.example']);
      assert.deepEqual(s.domains('t\u0000s0'), [], 'the oldest forgotten');
      await s.close();
      const db = new Database(join(d, 'state.db'), { readonly: true });
      try {
        assert.ok((db.prepare('SELECT count(*) AS n FROM blast_sessions').get() as { n: number }).n <= 64);
      } finally {
        db.close();
      }
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });

  test('through the runtime: the blastRadius need; a postgres backend without its URLs refuses, never falls back to state.db', async () => {
    const rt = await openRuntime({ dataDir: dir }, { need: ['blastRadius'] });
    try {
      assert.deepEqual(await rt.blastRadius.domains(S1), ['db.example']);
    } finally {
      await rt.close();
    }
    await assert.rejects(
      Promise.resolve().then(() => stateBackend({ backend: 'postgres', namespace: 'sluice', redis_down: 'refuse' } as never, dir).blastRadius({})),
      /state\.backend postgres needs state\.postgres and state\.redis/,
    );
  });
});
