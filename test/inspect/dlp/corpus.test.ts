/**
 * Runs every HTTP-request case of the public agent-egress-bench corpus (url, header
 * and request_body input types) straight through the DLP scanner: URL target,
 * hostname, headers and body. Reports per category how many 'block' cases produce a
 * block finding and how many 'allow' cases stay clean, and asserts the floor reached
 * when this was written (so regressions fail). Cases that are not DLP's to catch
 * (SSRF, domain blocklists) are listed as out of scope.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { DlpScanner } from '../../../src/inspect/dlp/index.js';
import type { Finding } from '../../../src/inspect/finding.js';

const ROOT = '/work/shared/conformance/agent-egress-bench/cases';
const CATEGORIES = ['url', 'headers', 'request-body', 'encoding-evasion', 'hostname-exfiltration', 'crypto-financial', 'shell-obfuscation', 'false-positive'];
/** Not DLP's job: the SSRF classifier (net/) and host policy decide these. */
const OUT_OF_SCOPE: Record<string, string> = {
  'url-ssrf-ipv6-mapped-010': 'SSRF: net/ classifies addresses',
  'url-ssrf-localhost-alt-011': 'SSRF: net/ classifies addresses',
  'url-ssrf-metadata-009': 'SSRF: net/ classifies addresses',
  'url-domain-blocklist-001': 'host policy (deny list), not content',
};

interface Case {
  id: string;
  category: string;
  input_type: string;
  expected_verdict: 'block' | 'allow';
  payload: { url?: string; headers?: Record<string, string>; body?: string; content_type?: string };
}

function scanCase(dlp: DlpScanner, c: Case): Finding[] {
  const out: Finding[] = [];
  const { url, headers, body, content_type } = c.payload;
  if (url !== undefined) {
    const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^/?#:]*)(?::\d+)?([^#]*)/i.exec(url);
    if (m !== null) {
      out.push(...dlp.scanHostname(m[1] ?? ''));
      out.push(...dlp.scanUrl(m[2] || '/'));
    }
  }
  if (headers !== undefined) out.push(...dlp.scanHeaders(headers));
  if (body !== undefined) {
    const b = dlp.bodyScanner(content_type);
    out.push(...b.push(Buffer.from(body, 'utf8')), ...b.end());
  }
  return out;
}

test('agent-egress-bench HTTP-request cases', { skip: !existsSync(ROOT) }, () => {
  const dlp = new DlpScanner();
  const lines: string[] = [];
  const summary: string[] = [];
  let blockFound = 0;
  let blockTotal = 0;
  let allowClean = 0;
  let allowTotal = 0;
  for (const cat of CATEGORIES) {
    const dir = join(ROOT, cat);
    let found = 0,
      missed = 0,
      clean = 0,
      noisy = 0,
      skipped = 0;
    for (const file of readdirSync(dir).sort()) {
      const c = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Case;
      if (!['url', 'header', 'request_body'].includes(c.input_type)) {
        skipped++;
        continue;
      }
      if (OUT_OF_SCOPE[c.id] !== undefined) {
        lines.push(`  out of scope ${c.id}: ${OUT_OF_SCOPE[c.id]}`);
        skipped++;
        continue;
      }
      const findings = scanCase(dlp, c);
      const blocked = findings.some((f) => f.action === 'block');
      const serialised = JSON.stringify(findings);
      // findings never carry a value: no long token-like run from the payload appears in them
      for (const tok of JSON.stringify(c.payload).match(/[A-Za-z0-9+/_-]{16,}/g) ?? []) {
        assert.ok(!serialised.includes(tok), `${c.id}: finding leaks ${tok.slice(0, 4)}...`);
      }
      if (c.expected_verdict === 'block') {
        blockTotal++;
        if (blocked) found++;
        else {
          missed++;
          lines.push(`  MISSED ${c.id}: ${findings.map((f) => `${f.type}(${f.action})`).join(', ') || 'no findings'}`);
        }
      } else {
        allowTotal++;
        if (!blocked) clean++;
        else {
          noisy++;
          lines.push(
            `  FALSE POSITIVE ${c.id}: ${findings
              .filter((f) => f.action === 'block')
              .map((f) => f.type)
              .join(', ')}`,
          );
        }
      }
    }
    blockFound += found;
    allowClean += clean;
    summary.push(`${cat}: block found ${found}/${found + missed}, allow clean ${clean}/${clean + noisy}, not HTTP-request/out of scope ${skipped}`);
  }
  console.log(`agent-egress-bench: block found ${blockFound}/${blockTotal}, allow clean ${allowClean}/${allowTotal}\n${[...summary, ...lines].join('\n')}`);
  assert.equal(allowClean, allowTotal, 'no allow case may produce a block finding');
  assert.ok(blockFound >= blockTotal - 3, `block cases found: ${blockFound}/${blockTotal}`);
});
