/**
 * Runs in a worker thread beside the SQLite audit sink: checkpoints audit.db's WAL
 * into the main file on its own connection, so the fsyncs a checkpoint needs never
 * block the gate's event loop. PASSIVE checkpoints never wait for, or block, the writer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

interface CheckpointJob {
  file: string;
  intervalMs: number;
}

const job = workerData as CheckpointJob;
const db = new Database(job.file, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
let failed: string | null = null;

const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    failed = null;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    // The writer reports its own failures; say this once per distinct problem.
    if (msg !== failed) parentPort?.postMessage({ type: 'error', message: msg });
    failed = msg;
  }
}, job.intervalMs);

parentPort?.on('message', (m: unknown) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  try {
    db.close();
  } finally {
    parentPort?.close();
  }
});
