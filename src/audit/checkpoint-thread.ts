/**
 * Start and stop the WAL checkpoint thread (checkpoint-worker.ts) for one audit.db
 * connection. The writer turns SQLite's inline auto-checkpoint off while it runs.
 */
import { Worker } from 'node:worker_threads';
import { errorText } from './health.js';

export interface CheckpointThreadEvents {
  /** The thread could not checkpoint, or failed. */
  onError: (err: Error) => void;
  /** The thread is gone without being asked to stop: checkpoint inline again, or the WAL grows for ever. */
  onGone: () => void;
}

export interface CheckpointThread {
  /** Ask the thread to close its connection and exit; resolves when it has. */
  stop(): Promise<void>;
}

/**
 * @example
 * const t = startCheckpointThread('/data/audit.db', 250, { onError, onGone: () => db.pragma('wal_autocheckpoint = 1000') });
 * db.pragma('wal_autocheckpoint = 0');
 * await t.stop();
 */
export function startCheckpointThread(file: string, intervalMs: number, ev: CheckpointThreadEvents): CheckpointThread {
  const w = new Worker(new URL('./checkpoint-worker.js', import.meta.url), { workerData: { file, intervalMs } });
  let stopping = false;
  const exited = new Promise<void>((resolve) => {
    w.on('exit', () => {
      if (!stopping) ev.onGone();
      resolve();
    });
  });
  w.on('error', (err) => ev.onError(new Error(`audit checkpoint thread for ${file} failed; checkpointing inline: ${errorText(err)}`)));
  w.on('message', (m: { message?: string }) => ev.onError(new Error(`audit checkpoint of ${file}: ${m.message ?? 'failed'}`)));
  // After the listeners: adding a 'message' listener refs the worker again.
  w.unref();
  return {
    stop(): Promise<void> {
      if (!stopping) {
        stopping = true;
        // Ref'd until it exits, so a caller can wait for it (it closes its connection first).
        w.ref();
        w.postMessage('stop');
      }
      return exited;
    },
  };
}
