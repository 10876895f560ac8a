/**
 * `workers: N` (N > 1): `sluice start` becomes a primary that serves nothing itself and
 * runs N workers with node:cluster, each a whole gate on the same port. Why processes
 * and not threads, and why the kernel and not the primary hands out connections:
 * docs/design-notes.md, "Several workers on one port".
 *
 * - The listener is shared with `SCHED_NONE`: every worker accepts on the one socket
 *   the primary bound, and the kernel wakes one of them per connection; the primary
 *   relays no connection (round-robin would pass every accepted socket through it).
 * - Worker 0 also runs what a host runs once: the control socket and the admin API.
 *   It starts first, alone, so it alone replays the journal an earlier run left; the
 *   others start once it listens.
 * - A worker that dies is logged and started again in its slot (worker 0's listeners
 *   with it); its journal segments, named by its pid, are replayed by the new worker
 *   (audit/journal.ts: only segments of dead pids are replayed). A worker that dies
 *   before the gate ever listened fails the start.
 * - SIGINT/SIGTERM: every worker is told SIGTERM and drains as a lone gate does; a
 *   second signal is passed on too (they exit at once). SIGHUP is passed on: each
 *   worker reloads the config.
 * - Run aliases bound in one worker reach the others through here (runtime/worker-aliases.ts).
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import { AliasLedger, isAliasMessage, SharedRunAliases, type AliasMessage } from '../runtime/worker-aliases.js';

/** The environment variable that tells a forked `sluice start` it is worker number N. */
export const WORKER_ENV = 'SLUICE_WORKER_INDEX';

/** What a worker tells the primary once its gate listens. */
export interface ListeningMessage {
  type: 'sluice:listening';
  url: string;
  admin: { host: string; port: number } | null;
  control: string | null;
}

/** A worker asks for the aliases bound so far (before it listens); the answer. */
export const HELLO = 'sluice:hello';
export interface AliasesMessage {
  type: 'sluice:aliases';
  binds: AliasMessage[];
}

/** A worker dying faster than this after its start counts as a crash loop (backoff). */
const SHORT_LIFE_MS = 5_000;
const MAX_BACKOFF_MS = 5_000;

/** This process's worker number, or null in the primary or a lone gate. */
export function workerIndex(): number | null {
  if (!cluster.isWorker) return null;
  const n = Number(process.env[WORKER_ENV]);
  return Number.isInteger(n) && n >= 0 ? n : null;
}

interface Slot {
  worker: Worker;
  started: number;
  listening: boolean;
}

/**
 * Run `count` workers until SIGINT or SIGTERM. `announce` is called once, with worker
 * 0's listening message, when every worker listens. Resolves to the exit code.
 *
 * @example
 * return superviseWorkers(config.workers, logger, (m) => process.stdout.write(`sluice listening on ${m.url}\n`));
 */
export function superviseWorkers(count: number, logger: Logger, announce: (m: ListeningMessage) => void): Promise<number> {
  // Before the first fork: the policy is fixed when the primary's first handle is made.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  const slots: (Slot | null)[] = Array.from({ length: count }, () => null);
  const aliases = new AliasLedger();
  let first: ListeningMessage | null = null;
  let ready = false;
  let stopping = false;
  let signals = 0;
  let fails = 0;
  let done: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (done = resolve));
  let exitCode = 0;

  const live = (): Worker[] => slots.flatMap((s) => (s === null || s.worker.isDead() ? [] : [s.worker]));

  const stop = (code: number): void => {
    if (!stopping) {
      stopping = true;
      exitCode = code;
    }
    for (const w of live()) w.process.kill('SIGTERM');
    if (live().length === 0) done(exitCode);
  };

  const onMessage = (index: number, slot: Slot, m: unknown): void => {
    if (isAliasMessage(m)) {
      aliases.note(m);
      for (const w of live()) if (w !== slot.worker) w.send(m);
      return;
    }
    const type = (m as { type?: unknown } | null)?.type;
    if (type === HELLO) {
      slot.worker.send({ type: 'sluice:aliases', binds: aliases.binds() } satisfies AliasesMessage);
    } else if (type === 'sluice:listening') {
      slot.listening = true;
      logger.info({ worker: index, pid: slot.worker.process.pid }, 'worker listening');
      if (index === 0 && first === null) {
        first = m as ListeningMessage;
        // The others start once worker 0 replayed what an earlier run left in the journal.
        for (let i = 1; i < count; i++) if (slots[i] === null) fork(i);
      }
      if (!ready && slots.every((s) => s?.listening === true)) {
        ready = true;
        announce(first!);
      }
    }
  };

  const onExit = (index: number, slot: Slot, code: number | null, signal: string | null): void => {
    if (slots[index] === slot) slots[index] = null;
    const pid = slot.worker.process.pid;
    if (stopping) {
      logger.info({ worker: index, pid, code, signal }, 'worker stopped');
      if (live().length === 0) done(exitCode);
      return;
    }
    if (!ready) {
      // A gate that cannot start in one worker cannot in the others (the worker said why on stderr).
      logger.error({ worker: index, pid, code, signal }, 'worker exited before the gate listened: stopping');
      stop(code === null || code === 0 ? 1 : code);
      return;
    }
    const lived = Date.now() - slot.started;
    fails = lived < SHORT_LIFE_MS ? fails + 1 : 0;
    const delay = fails === 0 ? 0 : Math.min(MAX_BACKOFF_MS, 100 * 2 ** fails);
    logger.error({ worker: index, pid, code, signal, lived_ms: lived, restart_in_ms: delay }, 'worker died: starting another in its place');
    setTimeout(() => {
      if (!stopping) fork(index);
    }, delay).unref();
  };

  function fork(index: number): void {
    const worker = cluster.fork({ [WORKER_ENV]: String(index) });
    const slot: Slot = { worker, started: Date.now(), listening: false };
    slots[index] = slot;
    logger.info({ worker: index, pid: worker.process.pid }, 'worker started');
    worker.on('message', (m: unknown) => onMessage(index, slot, m));
    worker.on('exit', (code: number | null, signal: string | null) => onExit(index, slot, code, signal));
    // An IPC send to a worker that just died: its exit is handled above.
    worker.on('error', (err: Error) => logger.warn({ worker: index, err }, 'worker channel error'));
  }

  const onStop = (signal: NodeJS.Signals): void => {
    signals++;
    logger.info({ signal, workers: live().length }, signals === 1 ? 'stopping: telling every worker' : 'second signal: workers exit at once');
    if (signals === 1) stop(0);
    // A worker's second signal exits it at once (start.ts).
    else for (const w of live()) w.process.kill('SIGTERM');
  };
  const onHangup = (): void => {
    for (const w of live()) w.process.kill('SIGHUP');
  };
  process.on('SIGINT', onStop);
  process.on('SIGTERM', onStop);
  process.on('SIGHUP', onHangup);
  fork(0);
  return finished.finally(() => {
    process.off('SIGINT', onStop);
    process.off('SIGTERM', onStop);
    process.off('SIGHUP', onHangup);
  });
}

/** What a worker's gate is started with, and how it reports to the primary. */
export interface WorkerSide {
  index: number;
  aliases: SharedRunAliases;
  /** Worker 0 runs the control socket and the admin API. */
  singletons: boolean;
  listening(m: Omit<ListeningMessage, 'type'>): void;
  /** Let go of the channel so the worker exits once its gate closed. */
  leave(): void;
}

/**
 * In a worker: join the primary (take the aliases bound so far, before listening).
 *
 * @example
 * const side = await joinAsWorker(index);
 * const gate = await Gate.start({ ..., aliases: side.aliases, singletons: side.singletons });
 * side.listening({ url: gate.url, admin: gate.adminAddress, control: gate.controlSocket });
 */
export async function joinAsWorker(index: number): Promise<WorkerSide> {
  const aliases = new SharedRunAliases((m) => process.send?.(m));
  let got: () => void = () => undefined;
  const handed = new Promise<void>((resolve) => (got = resolve));
  const onMessage = (m: unknown): void => {
    if (isAliasMessage(m)) aliases.apply(m);
    else if ((m as { type?: unknown } | null)?.type === 'sluice:aliases') {
      for (const b of (m as AliasesMessage).binds) aliases.apply(b);
      got();
    }
  };
  process.on('message', onMessage);
  process.send?.({ type: HELLO });
  await handed;
  return {
    index,
    aliases,
    singletons: index === 0,
    listening: (m) => process.send?.({ type: 'sluice:listening', ...m } satisfies ListeningMessage),
    leave: () => {
      process.off('message', onMessage);
      // Through cluster: a bare process.disconnect() makes cluster exit the worker with 0 at once.
      if (process.connected) cluster.worker?.disconnect();
    },
  };
}
