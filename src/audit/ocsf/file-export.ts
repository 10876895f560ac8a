/**
 * OCSF events to a JSON-lines file (`audit.export: [{ to: file, path }]`), appended
 * through a write stream (the event loop never waits on the disk). A disk slower than
 * the gate for longer than `spool_bytes` of backlog drops events, counted and logged.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { OcsfEvent } from './map.js';
import type { ExportTransport, TransportHooks } from './transport.js';

/**
 * @example
 * const t = new FileExport('/var/log/sluice/ocsf.jsonl', 64 << 20, hooks); t.send(events, events.map((e) => JSON.stringify(e)));
 */
export class FileExport implements ExportTransport {
  private readonly stream: WriteStream;
  constructor(
    readonly path: string,
    private readonly maxBytes: number,
    private readonly hooks: TransportHooks,
  ) {
    this.stream = createWriteStream(path, { flags: 'a', mode: 0o600 });
    this.stream.on('error', (err) => hooks.onError(new Error(`OCSF export file ${path}: ${err.message}`)));
  }
  send(_events: readonly OcsfEvent[], lines: readonly string[]): void {
    if (this.stream.writableLength > this.maxBytes) {
      this.hooks.onDrop(lines.length, `the export file ${this.path} is ${this.stream.writableLength} bytes behind`);
      return;
    }
    this.stream.write(lines.join('\n') + '\n');
    this.hooks.onSent(lines.length);
  }
  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(() => resolve()));
  }
}
