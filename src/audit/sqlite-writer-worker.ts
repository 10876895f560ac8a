/**
 * Runs in a worker thread for ThreadedSqliteAuditSink (sqlite-thread-sink.ts): owns a
 * SqliteAuditSink and writes the batches the gate posts, so the SQLite inserts (and
 * the WAL checkpoints, inline here) never run on the gate's event loop. The batches
 * posted within `commitMs` go in one transaction (fewer, fuller pages written to the
 * WAL per record); the sink's own timer commits them. Reports its health and counters
 * after every batch taken, every commit and every failure or recovery.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { AuditRecord } from './fields.js';
import { SqliteAuditSink } from './sqlite-sink.js';
import { pruneForRetention } from './retention.js';
import type { ToWriter, WriterJob, WriterStatus } from './sqlite-thread-sink.js';

const job = workerData as WriterJob;
/** Records at which the open transaction is committed at once (the sink's batch size). */
const commitRecords = job.options.batchSize ?? 256;
const port = parentPort!;
const taken = new Int32Array(job.taken);
let statusQueued = false;

function status(): void {
  const s: WriterStatus = {
    type: 'status',
    healthy: sink.healthy,
    lastError: sink.lastError,
    written: sink.written,
    dropped: sink.dropped,
    pending: sink.pending,
  };
  port.postMessage(s);
}

/** A status after the sink has finished what it is doing (callbacks fire mid-flush). */
function statusSoon(): void {
  if (statusQueued) return;
  statusQueued = true;
  setImmediate(() => {
    statusQueued = false;
    status();
  });
}

const sink = new SqliteAuditSink(job.dataDir, {
  ...job.options,
  // The thread is the background: checkpoint inline here, no second thread.
  checkpointMs: 0,
  onCommit: statusSoon,
  onError: (err) => {
    port.postMessage({ type: 'error', message: err.message });
    statusSoon();
  },
  onRecover: () => {
    port.postMessage({ type: 'recovered' });
    statusSoon();
  },
});

port.on('message', (m: ToWriter) => {
  if (m.type === 'batch') {
    const records = JSON.parse(m.json) as AuditRecord[];
    for (const r of records) sink.write(r);
    // A full transaction is committed before the next batch is taken, so the queue never
    // reaches maxBuffered (the gate's batches are smaller than the room left). While
    // unhealthy the sink retries on its own backoff timer; a write per batch would not help.
    if (sink.healthy && sink.pending >= commitRecords) sink.flush();
    // Taken (written, or kept for retry by the sink): the gate may post more.
    Atomics.add(taken, 0, records.length);
    Atomics.notify(taken, 0);
    status();
    return;
  }
  if (m.type === 'checkpoint') {
    sink.checkpoint(m.checkpoint);
    return;
  }
  void sink.close().then(() => {
    status();
    port.close();
  });
});
port.postMessage({ type: 'ready' });

if (job.retainMs !== undefined && job.retainMs > 0) {
  const retainMs = job.retainMs;
  const pass = (): void => {
    try {
      // Records queued before the pass are written first: the chain is checked whole.
      sink.flush();
      const out = pruneForRetention(job.dataDir, retainMs);
      port.postMessage(out.ok ? { type: 'note', message: out.message } : { type: 'error', message: out.message });
    } catch (err) {
      port.postMessage({ type: 'error', message: `audit retention failed: ${(err as Error).message}` });
    }
  };
  setTimeout(pass, 60_000).unref();
  setInterval(pass, 3_600_000).unref();
}
