/**
 * Redaction from a streaming scan's spans (BodyScanner.spans, what a long WebSocket
 * message uses: no second whole scan) cuts what a whole `redact` cuts: secrets repeated,
 * encoded, and across the body scanner's window seams.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DlpScanner, redactSpans } from '../../../src/inspect/dlp/scanner.js';
import { MIN_SCAN, SLICE } from '../../../src/inspect/dlp/body-scanner.js';
import type { Finding } from '../../../src/inspect/finding.js';

const dlp = new DlpScanner({ actions: { aws_access_key_id: 'redact', github_token_unverified: 'redact' } });
const KEY = 'AKIAFAKE0000TEST1234';
const GH = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';

function streamed(bytes: Buffer, step: number): { found: Finding[]; spans: Array<[Finding, number, number]> } {
  const b = dlp.bodyScanner(undefined);
  const spans: Array<[Finding, number, number]> = [];
  b.spans?.((f, s, e) => spans.push([f, s, e]));
  const found: Finding[] = [];
  for (let i = 0; i < bytes.length; i += step) found.push(...b.push(bytes.subarray(i, i + step)));
  found.push(...b.end());
  return { found, spans };
}

test('spans from the windows redact as the whole scan does', () => {
  const filler = 'Plain words about the weather and the build, nothing secret here at all. ';
  const at = (n: number): string => filler.repeat(Math.ceil(n / filler.length)).slice(0, n);
  const texts = [
    `${at(1000)}key=${KEY} ${at(500)}again ${KEY}\n`,
    `${at(SLICE - 7)} ${KEY} ${at(2000)}`,
    `${at(MIN_SCAN - 3)}token ${GH} ${at(SLICE)} and ${Buffer.from(KEY).toString('base64')} ${at(100)}`,
    `${at(3 * SLICE - 40)} ${GH} ${at(SLICE + 11)} ${KEY} ${at(9)}`,
  ];
  for (const [i, text] of texts.entries()) {
    for (const step of [16 * 1024, 4096, 1000]) {
      const bytes = Buffer.from(text, 'utf8');
      const { found, spans } = streamed(bytes, step);
      const redact = found.filter((f) => f.action === 'redact');
      assert.ok(redact.length > 0, `case ${i}: something to redact`);
      assert.equal(redactSpans(bytes.toString('latin1'), spans, redact), dlp.redact(text, redact), `case ${i}, step ${step}`);
    }
  }
});
