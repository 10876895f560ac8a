/**
 * The text a client reads in bytes that are not labelled as text: the text runs in them
 * (inspect/text-runs.ts), scanned for prompt injection up to a cap (TextRunScan). Two
 * users: a response body sniffed as binary by its look alone, or an archive
 * (BinaryTextStage: it passes as it is, but its runs are scanned first, so an injection
 * behind a block of binary or sprinkled with NUL bytes is still refused), and an
 * upstream's WebSocket binary message (websocket/message-inspector.ts). Random and
 * zero-filled data hold next to no runs, so this costs little where the bytes really
 * are binary.
 */
import type { Finding } from '../inspect/finding.js';
import type { InjectionScanner } from '../inspect/injection/scanner.js';
import { TextRuns } from '../inspect/text-runs.js';
import { cleanFinding, ResponseBlockedError, type ResponseInspectOptions } from './response-inspector.js';

const DEFAULT_MAX_SCAN_BYTES = 4 * 1024 * 1024;

/**
 * The injection scan of the text runs in a stream of bytes, its first `cap` bytes.
 * Bytes cannot be stripped of text: under `block` or `strip` a blocking finding blocks
 * (`blocking`), under `warn` it is only recorded. Findings go to `findings`, cleaned.
 */
export class TextRunScan {
  /** The blocking findings of the scan that first found one (empty until then, and under `warn`). */
  blocking: Finding[] = [];
  readonly #runs = new TextRuns();
  readonly #mode: 'block' | 'warn';
  #seen = 0;
  #done = false;

  constructor(
    private readonly scanner: InjectionScanner,
    private readonly location: string,
    action: string,
    private readonly cap: number,
    readonly findings: Finding[] = [],
  ) {
    this.#mode = action === 'warn' ? 'warn' : 'block';
  }

  /** Read `b` (as far as the cap); true once a blocking finding has been read. */
  push(b: Buffer): boolean {
    if (this.#done || this.blocking.length > 0) return this.blocking.length > 0;
    const take = Math.min(b.length, this.cap - this.#seen);
    this.#seen += take;
    this.#check(this.#runs.push(take === b.length ? b : b.subarray(0, take)));
    if (this.#seen >= this.cap) this.end();
    return this.blocking.length > 0;
  }

  /** The run still open is read too; true once a blocking finding has been read. */
  end(): boolean {
    if (!this.#done && this.blocking.length === 0) {
      this.#done = true;
      this.#check(this.#runs.end());
    }
    return this.blocking.length > 0;
  }

  #check(text: string): void {
    if (text.length === 0) return;
    const found = this.scanner.scanText(text, this.location);
    for (const f of found) this.findings.push(cleanFinding(f, this.#mode));
    if (this.#mode === 'block') this.blocking = found.filter((f) => f.action === 'block').map((f) => cleanFinding(f, 'block'));
  }
}

export class BinaryTextStage {
  readonly passing = false;
  readonly decided = true;
  readonly #scan: TextRunScan;

  constructor(opts: ResponseInspectOptions, findings: Finding[]) {
    this.#scan = new TextRunScan(opts.scanner, 'response.body', opts.action, opts.maxScanBytes ?? DEFAULT_MAX_SCAN_BYTES, findings);
  }

  push(parts: Buffer[]): Promise<Buffer[]> {
    for (const p of parts) if (this.#scan.push(p)) this.#refuse();
    return Promise.resolve(parts);
  }

  end(): Promise<Buffer[]> {
    if (this.#scan.end()) this.#refuse();
    return Promise.resolve([]);
  }

  #refuse(): never {
    const blocking = this.#scan.blocking;
    throw new ResponseBlockedError(
      'injection_blocked',
      `the response carries a prompt injection (${[...new Set(blocking.map((f) => f.type))].join(', ')}); refused`,
      blocking,
    );
  }
}
