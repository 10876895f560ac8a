/**
 * The LLM usage tap (proxy/budgets.ts): the body filter just before hold in an LLM API call's
 * response, it shows each chunk to the usage reader (which keeps a bounded window of
 * it) and passes it on unchanged. It never holds, refuses or delays a byte.
 */
import type { UsageReader } from '../../../inspect/llm/usage-reader.js';
import type { BodyFilter } from './chain.js';

export class UsageFilter implements BodyFilter {
  constructor(
    private readonly reader: UsageReader,
    private readonly next: BodyFilter,
  ) {}

  get waiting(): number {
    return this.next.waiting;
  }

  push(chunk: Buffer): boolean {
    this.reader.push(chunk);
    return this.next.push(chunk);
  }

  release(): boolean {
    return this.next.release();
  }

  end(): void {
    this.next.end();
  }
}
