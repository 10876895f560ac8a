import type { OcsfEvent } from './map.js';

/** What an OCSF export destination (file, syslog, webhook) offers the export sink. */
export interface ExportTransport {
  /** Hand over events, with their JSON texts; never throws, never waits. */
  send(events: readonly OcsfEvent[], lines: readonly string[]): void;
  close(): Promise<void>;
}

/** Counters and loud failures, reported to the sink (which logs them). */
export interface TransportHooks {
  onError: (err: Error) => void;
  /** Events dropped, with the reason (logged at error, counted). */
  onDrop: (n: number, why: string) => void;
  /** Events delivered (or, for UDP, sent). */
  onSent: (n: number) => void;
}

/** Exponential backoff with jitter, capped. */
export function backoffMs(failures: number, maxMs: number, baseMs = 250): number {
  const d = Math.min(maxMs, baseMs * 2 ** Math.min(failures, 16));
  return Math.round(d / 2 + Math.random() * (d / 2));
}
