/**
 * A short, redacted view of text a person will read (an approval's body summary, a
 * tool's arguments): every span the DLP scanner finds is replaced by
 * `[REDACTED:<type>]` first, and only then is the text cut to its summary length, so a
 * cut can never split a secret into pieces the scanner would not know.
 */
import type { DlpScanner } from './scanner.js';

/** Text scanned at most (the summary shows far less; this bounds the CPU spent). */
const SCAN_BYTES = 64 * 1024;

/**
 * @example
 * redactedSummary(scanner, '{"token":"ghp_0123..."}', 200); // '{"token":"[REDACTED:github_token]"}'
 */
export function redactedSummary(scanner: DlpScanner, text: string, max: number): string {
  const head = text.length > SCAN_BYTES ? text.slice(0, SCAN_BYTES) : text;
  const clean = scanner.redactText(head, scanner.scanText(head, 'approval'));
  return clean.length > max || head.length < text.length ? `${clean.slice(0, max)}… (${text.length} characters in all)` : clean;
}

/**
 * A JSON value with every secret the scanner finds redacted, still JSON where it can be.
 *
 * @example
 * redactedJson(scanner, { path: '/tmp/x', token: 'ghp_...' }, 2048); // { path: '/tmp/x', token: '[REDACTED:github_token]' }
 */
export function redactedJson(scanner: DlpScanner, value: unknown, max: number): unknown {
  const text = JSON.stringify(value) ?? 'null';
  const clean = redactedSummary(scanner, text, max);
  try {
    return JSON.parse(clean) as unknown;
  } catch {
    return clean;
  }
}
