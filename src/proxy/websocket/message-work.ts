/**
 * One WebSocket message's inspection work, in bounded slices (src/inspect/scan-pace.ts):
 * every piece of work is counted against the message's CPU budget
 * (`inspect.scan_budget_ms`; past it ScanBudgetError, which closes the session), the
 * event loop gets a turn once a slice or a few milliseconds of work have piled up, and
 * once the session has ended the work stops (SessionEnded) instead of running on.
 *
 * The budget is per message, not per session: a session is long-lived and its messages
 * are its exchanges; a message's inspection may not use more than an HTTP exchange's.
 *
 * @example
 * const work = new MessageWork(5000, () => !stopped);
 * await work.each(payload, (slice) => findings.push(...scanner.push(slice)));
 */
import { isUtf8 } from 'node:buffer';
import { randomFillSync } from 'node:crypto';
import { runSteps, ScanPace, SLICE_BYTES } from '../../inspect/scan-pace.js';
import { applyMask, sliceParts, type Frame } from './frames.js';

/**
 * A message at most this long is inspected whole, in one turn, as before pacing: a
 * slice's worth of work at most, and no promise on the common path.
 */
export const WHOLE_BYTES = SLICE_BYTES;

/** The session ended while one of its messages was being inspected: that work stops. */
export class SessionEnded extends Error {
  constructor() {
    super('the WebSocket session ended during inspection');
    this.name = 'SessionEnded';
  }
}

export class MessageWork {
  /** The message's pacing and budget (for scanners that pace themselves: BodyScanner.endPaced). */
  readonly pace: ScanPace;

  constructor(
    budgetMs: number,
    private readonly live: () => boolean,
  ) {
    this.pace = new ScanPace(budgetMs);
  }

  /** Times the event loop was given a turn during this message's inspection. */
  get yields(): number {
    return this.pace.yields;
  }

  /** One bounded piece of work, counted against the budget (throws ScanBudgetError past it). */
  run<T>(work: () => T): T {
    return this.pace.run(work);
  }

  /**
   * `work` on each slice of `data` (a buffer, or a payload's pieces: sliceParts) in
   * order (`at`: the slice's offset, a multiple of SLICE_BYTES), each counted against
   * the budget and toward a turn, by its size as well as by time: a slice scanned, or
   * copied into new memory (a first touch of fresh pages costs a few ms per MiB).
   */
  async each(data: Buffer | readonly Buffer[], work: (slice: Buffer, at: number) => void): Promise<void> {
    let at = 0;
    for (const slice of sliceParts(Buffer.isBuffer(data) ? [data] : data, SLICE_BYTES)) {
      const from = at;
      this.pace.run(() => work(slice, from));
      at += slice.length;
      await this.turn(slice.length);
    }
  }

  /** Run `steps` (a generator of bounded steps, e.g. stripSteps) to its end, paced and within the budget. */
  steps<T>(steps: Generator<void, T>): Promise<T> {
    return runSteps(this.pace, steps, () => {
      if (!this.live()) throw new SessionEnded();
    });
  }

  /** A turn for the event loop when one is due; throws SessionEnded if the session ended meanwhile. */
  async turn(bytes: number): Promise<void> {
    const t = this.pace.pace(bytes);
    if (!t) return;
    await t;
    if (!this.live()) throw new SessionEnded();
  }
}

/**
 * A text message's frames joined into one buffer in the clear (unmasked when masked),
 * and checked as UTF-8 as it goes, in slices; null when it is not valid UTF-8. Each
 * byte is copied once (twice where a slice spans two reads); a character cut by a
 * slice (or a frame) is checked whole.
 */
export async function assembleText(frames: readonly Frame[], total: number, work: MessageWork): Promise<Buffer | null> {
  const out = Buffer.allocUnsafe(total);
  let written = 0;
  let checked = 0;
  let valid = true;
  for (const f of frames) {
    const base = written;
    await work.each(f.parts, (slice, at) => {
      if (f.mask) applyMask(slice, f.mask, out, base + at);
      else slice.copy(out, base + at);
      written = base + at + slice.length;
      const upTo = checked + completeUtf8(out.subarray(checked, written));
      if (!isUtf8(out.subarray(checked, upTo))) valid = false;
      checked = upTo;
    });
    if (!valid) return null;
  }
  return isUtf8(out.subarray(checked, written)) ? out : null;
}

/**
 * The length of `b` without a trailing UTF-8 sequence that may still be incomplete
 * (its lead byte and up to two continuation bytes), to check the rest on its own.
 */
export function completeUtf8(b: Buffer): number {
  let i = b.length;
  while (i > 0 && b.length - i < 3 && (b[i - 1]! & 0xc0) === 0x80) i--;
  if (i === 0) return b.length;
  const lead = b[i - 1]!;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return b.length - (i - 1) < need ? i - 1 : b.length;
}

/**
 * A payload of the gate's own (clear, in pieces) masked with a fresh key, for a frame to
 * the upstream: in paced slices, each into memory of its own, so no call fills more
 * than a slice of new memory. The pieces come back to be written after the frame's
 * header (frameParts).
 *
 * @example
 * const { mask, parts } = await maskInSlices([payload], work);
 * for (const b of frameParts({ fin: true, opcode: OP.text, mask, parts, length: payload.length })) socket.write(b);
 */
export async function maskInSlices(clear: readonly Buffer[], work: MessageWork): Promise<{ mask: Buffer; parts: Buffer[] }> {
  const mask = randomFillSync(Buffer.allocUnsafe(4));
  const parts: Buffer[] = [];
  await work.each(clear, (slice) => parts.push(applyMask(slice, mask)));
  return { mask, parts };
}
