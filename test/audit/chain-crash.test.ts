import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { auditCli, openTrail, writeConfig } from './chain-helpers.js';
import { withTempDir } from './fixtures.js';

const CHILD = new URL('./chain-crash-child.js', import.meta.url).pathname;

/** Start the child, let it finish at least `min` records, then SIGKILL it at a random moment shortly after. */
function runAndKill(cfg: string, min: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, cfg], { stdio: ['ignore', 'pipe', 'inherit'] });
    let killed = false;
    child.stdout.on('data', (c: Buffer) => {
      const n = Number(c.toString().trim().split('\n').at(-1));
      if (!killed && n >= min) {
        killed = true;
        setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 50));
      }
    });
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited ${code} ${signal}`))));
  });
}

void test('kill -9 while writing, then the journal replay: every chain continues without a gap or a fork, and verifies', async () => {
  await withTempDir(async (dir) => {
    const cfg = writeConfig(dir);
    const kills = 4;
    for (let k = 0; k < kills; k++) await runAndKill(cfg, 300 + k * 100);
    // The next start replays what the killed writers left (finished records keep their chain; the
    // exchanges never finished are recorded as gate_interrupted in the new run's chain).
    const trail = await openTrail(cfg);
    await trail.close();
    const r = await auditCli(['verify', '--config', cfg, '--json']);
    const report = JSON.parse(r.stdout) as { ok: boolean; records: number; chains: number; first_break: unknown };
    assert.equal(r.code, 0, r.stdout);
    assert.ok(report.chains >= kills, `${report.chains} chains`);
    const db = new Database(join(dir, 'audit.db'), { readonly: true });
    const per = db.prepare('SELECT chain_id, COUNT(*) AS n, MIN(chain_seq) AS lo, MAX(chain_seq) AS hi FROM audit GROUP BY chain_id').all() as {
      chain_id: string;
      n: number;
      lo: number;
      hi: number;
    }[];
    const interrupted = (db.prepare(`SELECT COUNT(*) AS n FROM audit WHERE error = 'gate_interrupted'`).get() as { n: number }).n;
    const unchained = (db.prepare('SELECT COUNT(*) AS n FROM audit WHERE chain_id IS NULL').get() as { n: number }).n;
    db.close();
    for (const c of per) assert.deepEqual([c.lo, c.hi], [1, c.n], `chain ${c.chain_id}: seq 1..${c.n}, no gap`);
    assert.equal(unchained, 0);
    console.log(`kill -9 x${kills}: ${report.records} records in ${report.chains} chains (${per.map((c) => c.n).join(', ')}), ${interrupted} gate_interrupted`);
  });
});
