/**
 * Canary values for secret-leak tests: random per run, and a transcript of every
 * string a test saw come out of the code (messages, inspect output, stdout,
 * stderr). `assertNoCanary` fails if any canary, or its base64, hex or
 * percent-encoded form, appears in any of it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';

/** A fresh canary secret: `canary-<hex>`. */
export function canary(label = ''): string {
  return `canary-${label}${randomBytes(12).toString('hex')}`;
}

const seen: { label: string; text: string }[] = [];

/** Record something the code produced, for the final leak check. */
export function capture(label: string, value: unknown): void {
  const text =
    typeof value === 'string'
      ? value
      : value instanceof Error
        ? `${value.message}\n${value.stack ?? ''}\n${inspect(value, { depth: 8 })}`
        : inspect(value, { depth: 8, showHidden: true });
  seen.push({ label, text });
  if (value !== null && typeof value === 'object') {
    try {
      seen.push({ label: `${label} (JSON)`, text: JSON.stringify(value) ?? '' });
    } catch {
      // not serialisable: inspect output above is what a logger would show
    }
  }
}

/** Run `fn`, expect it to throw, capture the error, return it. */
export async function capturedRejection(label: string, fn: () => unknown): Promise<Error> {
  try {
    await fn();
  } catch (err) {
    capture(label, err);
    return err as Error;
  }
  assert.fail(`${label}: expected an error`);
}

function forms(c: string): string[] {
  const b = Buffer.from(c);
  return [c, b.toString('base64').replace(/=+$/, ''), b.toString('hex')];
}

/** How many strings were captured (a check that the leak check is not vacuous). */
export function capturedCount(): number {
  return seen.length;
}

/** Fail if any captured text contains any canary form. */
export function assertNoCanary(canaries: readonly string[]): void {
  for (const c of canaries) {
    for (const f of forms(c)) {
      for (const s of seen) {
        assert.ok(!s.text.includes(f), `secret leaked in ${s.label}`);
      }
    }
  }
}
