/**
 * A body sniffed as binary by its look alone (no known format's magic bytes): it
 * passes as it is, but the text runs in it (inspect/text-runs.ts) are scanned first,
 * up to the scan cap, so an injection behind a block of binary or sprinkled with NUL
 * bytes is still refused. Random and zero-filled data hold next to no runs, so this
 * costs little where the body really is binary.
 */
import type { Finding } from '../inspect/finding.js';
import { TextRuns } from '../inspect/text-runs.js';
import { cleanFinding, ResponseBlockedError, type ResponseInspectOptions } from './response-inspector.js';

const DEFAULT_MAX_SCAN_BYTES = 4 * 1024 * 1024;

export class BinaryTextStage {
  readonly passing = false;
  readonly decided = true;
  readonly #runs = new TextRuns();
  #seen = 0;
  #done = false;

  constructor(
    private readonly opts: ResponseInspectOptions,
    private readonly findings: Finding[],
  ) {}

  push(parts: Buffer[]): Promise<Buffer[]> {
    const cap = this.opts.maxScanBytes ?? DEFAULT_MAX_SCAN_BYTES;
    for (const p of parts) {
      if (this.#done) break;
      const take = Math.min(p.length, cap - this.#seen);
      this.#seen += take;
      this.#check(this.#runs.push(take === p.length ? p : p.subarray(0, take)));
      if (this.#seen >= cap) this.#finish();
    }
    return Promise.resolve(parts);
  }

  end(): Promise<Buffer[]> {
    this.#finish();
    return Promise.resolve([]);
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#check(this.#runs.end());
  }

  #check(text: string): void {
    if (text.length === 0) return;
    const action = this.opts.action === 'warn' ? 'warn' : 'block';
    const found = this.opts.scanner.scanText(text, 'response.body');
    for (const f of found) this.findings.push(cleanFinding(f, action));
    const blocking = found.filter((f) => f.action === 'block');
    if (blocking.length === 0 || action === 'warn') return;
    // Bytes cannot be stripped of text: a finding blocks.
    throw new ResponseBlockedError(
      'injection_blocked',
      `the response carries a prompt injection (${[...new Set(blocking.map((f) => f.type))].join(', ')}); refused`,
      blocking.map((f) => cleanFinding(f, 'block')),
    );
  }
}
