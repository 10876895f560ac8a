/**
 * Runs one DLP case in-process the way the gate does for its placement: the request
 * head (URL parts, headers, and the joins of neighbouring parts), then the body through
 * the streaming body scanner (decoded first when it declares a Content-Encoding), or
 * each WebSocket message through the session's outbound DLP (messages joined to the
 * ones before). A case counts as flagged when any finding would stop or rewrite it
 * (block or redact); warnings alone let it through, as at the gate.
 *
 * @example
 * await evaluate(dlpCases()[0]) // true
 */
import type { DetectionCase } from './case.js';
import { DlpScanner } from '../../src/inspect/dlp/scanner.js';
import { KnownSecrets } from '../../src/inspect/dlp/known-secrets.js';
import { createSafeDecompressor } from '../../src/inspect/decompress.js';
import type { Finding } from '../../src/inspect/finding.js';
import type { DlpSetup } from '../../src/inspect/dlp/dlp-setup.js';
import { jsonGroups, neighbourFindings } from '../../src/inspect/dlp/sibling-joins.js';
import { outboundDlp } from '../../src/proxy/websocket/outbound-dlp.js';
import { MessageWork } from '../../src/proxy/websocket/message-work.js';

const MAX_BODY = 16 * 1024 * 1024;
const plain = new DlpScanner({ maxScanBytes: MAX_BODY });
const withKnown = new Map<string, DlpScanner>();

function scannerFor(c: DetectionCase): DlpScanner {
  if (c.secrets === undefined) return plain;
  const key = JSON.stringify(c.secrets);
  let s = withKnown.get(key);
  if (s === undefined) {
    s = new DlpScanner({ maxScanBytes: MAX_BODY, known: new KnownSecrets(Object.entries(c.secrets).map(([name, value]) => ({ name, value }))) });
    withKnown.set(key, s);
  }
  return s;
}

const stops = (fs: readonly Finding[]): boolean => fs.some((f) => f.action !== 'warn');

/** The findings the gate would record for this case (all of them, warnings included). */
export async function findingsOf(c: DetectionCase): Promise<Finding[]> {
  const dlp = scannerFor(c);
  const { input } = c;
  const out: Finding[] = [];
  if (input.messages !== undefined) {
    const setup: DlpSetup = { scanner: dlp, disabled: new Set(), action: 'block', maxBodyBytes: MAX_BODY, hostnames: true };
    const ws = outboundDlp(setup, undefined);
    for (const m of input.messages) {
      // As the gate reads a text message: its UTF-8 bytes, whole or in slices (no budget here).
      if (typeof m === 'string') out.push(...(await ws.text(Buffer.from(m, 'utf8'), new MessageWork(Infinity, () => true))).findings);
      else {
        const b = ws.binary();
        out.push(...b.push(m).findings, ...(await b.end(new MessageWork(Infinity, () => true))).findings);
      }
    }
    return out;
  }
  const headers = input.headers ?? {};
  out.push(...dlp.scanUrl(input.url ?? '/'), ...dlp.scanHeaders(headers), ...dlp.scanRequestJoins(input.url ?? '/', headers));
  if (input.body !== undefined) {
    const raw = Buffer.from(input.body);
    const enc = headers['content-encoding'];
    const decoder = enc === undefined ? null : createSafeDecompressor(enc, { maxOutputBytes: MAX_BODY, maxRatio: 1000 });
    const body = dlp.bodyScanner(headers['content-type']);
    const parts = decoder === null ? [raw] : [...(await decoder.push(raw)), ...(await decoder.end())];
    for (const p of parts) for (let i = 0; i < p.length; i += 16 * 1024) out.push(...body.push(p.subarray(i, i + 16 * 1024)));
    out.push(...body.end());
    // as the gate does for a JSON or form body it holds whole (proxy/inspect-request.ts bodyJoins)
    if (decoder === null && raw.length <= 16 * 1024) {
      const type = headers['content-type'] ?? '';
      if (/^application\/x-www-form-urlencoded/i.test(type)) out.push(...dlp.scanRequestJoins(`/?${raw.toString('latin1')}`, {}));
      else if (/^application\/(?:[\w.+-]*\+)?json/i.test(type)) out.push(...neighbourFindings(dlp, jsonGroups(raw), 'body.json', true));
    }
  }
  return out;
}

export async function evaluate(c: DetectionCase): Promise<boolean> {
  return stops(await findingsOf(c));
}
