/**
 * Bytes waiting to be released, kept as the chunks they arrived in: appending is
 * O(1) and taking from the front copies only what is taken, once. A growing buffer
 * re-concatenated on every chunk is O(held) per chunk, so a body sent as many tiny
 * chunks (or an event-stream line that never ends) cost time quadratic in its size.
 * Also remembers where the last line feed is, so a caller that releases whole lines
 * never searches the same bytes twice.
 *
 * @example
 * const q = new ByteQueue();
 * q.push(Buffer.from('a\nb'));
 * q.take(q.lastLineEnd);  // [<Buffer 61 0a>]; 'b' stays
 */
export class ByteQueue {
  private chunks: Buffer[] = [];
  /** Bytes queued. */
  length = 0;
  /** Bytes up to and including the last '\n' queued (0 when none is). */
  lastLineEnd = 0;
  /**
   * Small chunks are gathered into blocks of GATHER_BYTES: a stream of 256-byte chunks
   * held for a while (an event that has not ended) is then a few dozen objects a MiB,
   * not thousands for the young generation's collector to copy at every scavenge.
   * `block` is the one being filled; its filled part is the last entry of `chunks`.
   */
  private block: Buffer | null = null;
  private blockUsed = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    const nl = chunk.lastIndexOf(0x0a);
    if (nl !== -1) this.lastLineEnd = this.length + nl + 1;
    this.length += chunk.length;
    if (chunk.length >= GATHER_BELOW) {
      this.block = null;
      this.chunks.push(chunk);
      return;
    }
    const last = this.chunks.length - 1;
    if (this.block !== null && this.blockUsed + chunk.length <= GATHER_BYTES && last >= 0 && this.chunks[last]!.buffer === this.block.buffer) {
      // The last entry is a view of the block ending where it is filled: it grows in place.
      const view = this.chunks[last]!;
      chunk.copy(this.block, this.blockUsed);
      this.blockUsed += chunk.length;
      this.chunks[last] = this.block.subarray(view.byteOffset - this.block.byteOffset, this.blockUsed);
      return;
    }
    // A lone small chunk stays as it is (a short body is one chunk); a second one starts a block with the first.
    const prev = last >= 0 ? this.chunks[last]! : null;
    if (prev === null || prev.length >= GATHER_BELOW) {
      this.chunks.push(chunk);
      return;
    }
    this.block = Buffer.allocUnsafeSlow(GATHER_BYTES);
    prev.copy(this.block, 0);
    chunk.copy(this.block, prev.length);
    this.blockUsed = prev.length + chunk.length;
    this.chunks[last] = this.block.subarray(0, this.blockUsed);
  }

  /** The first `n` bytes (at most `length`), removed from the queue, as one buffer or none. */
  take(n: number): Buffer[] {
    const out = this.takeViews(n);
    return out.length <= 1 ? out : [Buffer.concat(out)];
  }

  /** The first `n` bytes (at most `length`), removed from the queue, as views of the chunks they were queued in: no copy. */
  takeViews(n: number): Buffer[] {
    n = Math.min(n, this.length);
    if (n <= 0) return [];
    const out: Buffer[] = [];
    let need = n;
    let i = 0;
    while (need > 0) {
      const c = this.chunks[i]!;
      if (c.length <= need) {
        out.push(c);
        need -= c.length;
        i++;
      } else {
        out.push(c.subarray(0, need));
        // A view, not a copy: taking a chunk in many pieces must not copy its rest each time.
        this.chunks[i] = c.subarray(need);
        need = 0;
      }
    }
    this.chunks.splice(0, i);
    this.length -= n;
    this.lastLineEnd = Math.max(0, this.lastLineEnd - n);
    return out;
  }

  /** Everything queued. */
  takeAll(): Buffer[] {
    return this.take(this.length);
  }

  /** The last `n` bytes (at most `length`), left in place. */
  lastBytes(n: number): Buffer {
    n = Math.min(n, this.length);
    const parts: Buffer[] = [];
    let got = 0;
    for (let i = this.chunks.length - 1; i >= 0 && got < n; i--) {
      const c = this.chunks[i]!;
      const want = n - got;
      parts.unshift(c.length <= want ? c : c.subarray(c.length - want));
      got += Math.min(c.length, want);
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, got);
  }
}

/** Chunks shorter than this are copied into a gathering block. */
const GATHER_BELOW = 1024;
/** A gathering block's size. */
const GATHER_BYTES = 16 * 1024;
