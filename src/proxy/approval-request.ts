/**
 * The HTTP side of an approval: the body an approval is bound to (read whole, within
 * `approvals.max_body_bytes`, and handed on so inspect-out streams the same bytes), the
 * digest of the exact request, and the diff a person judges (redacted by the DLP scanner).
 */
import { redactedSummary } from '../inspect/dlp/redact-summary.js';
import type { ApprovalDiff } from '../state/approvals.js';
import { approvalDigest, approvalWho } from '../state/approvals.js';
import { Rejection } from './errors-map.js';
import { countedBody } from './forward.js';
import { hasBody } from './framing-guard.js';
import { headerText } from './header-text.js';
import { once } from './mcp/answer.js';
import type { Exchange } from './pipeline/exchange.js';

/** Body characters a person is shown at most. */
const SUMMARY_CHARS = 2048;

/**
 * The request body, read whole (null: none). The MCP intake's read-ahead is used when
 * there is one; a body read here replaces the intake's so it is forwarded as read.
 * Over `max` bytes: refused `approval_body_too_large`, nothing forwarded.
 *
 * @example
 * const body = await approvalBody(x, x.state.policy.approvals.maxBodyBytes);
 */
export async function approvalBody(x: Exchange, max: number): Promise<Buffer | null> {
  if (!hasBody(x.req)) return null;
  const intake = x.intake;
  if (intake?.kind === 'forward') return intake.body;
  // A client waiting for `100 Continue` sends its body only once told to.
  if (x.expectContinue && !x.continued) {
    x.res.writeContinue();
    x.continued = true;
  }
  const source = intake?.kind === 'pass' && intake.body !== null ? intake.body : countedBody(x);
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of source) {
    size += chunk.length;
    if (size > max) {
      throw new Rejection(
        'approval_body_too_large',
        `the request body is over ${max} bytes (approvals.max_body_bytes): an approval binds the whole body, so it cannot be approved; nothing was forwarded`,
        x.decision?.rule ?? null,
      );
    }
    parts.push(chunk);
  }
  const body = Buffer.concat(parts);
  x.intake = { kind: 'pass', body: once(body) };
  return body;
}

/** `scheme://host:port/path?query` as the digest and the diff name the target. */
function targetOf(x: Exchange): string {
  return `${x.scheme}://${x.hostText}:${x.port}${x.target}`;
}

/**
 * @example
 * httpDigest(x, body); // 'e3b0c442…'
 */
export function httpDigest(x: Exchange, body: Buffer | null): string {
  return approvalDigest({ method: x.req.method ?? 'GET', target: targetOf(x), body, who: approvalWho(x.principal) });
}

/**
 * The proposed diff: method, URL and body summary with every secret the DLP scanner
 * finds redacted, and who is asking.
 *
 * @example
 * httpDiff(x, body, 'rule deploy needs a human approval');
 */
export function httpDiff(x: Exchange, body: Buffer | null, why: string): ApprovalDiff {
  const scanner = x.state.dlp.scanner;
  const encoded = headerText(x.req.headers['content-encoding']);
  const summary =
    body === null
      ? null
      : encoded !== '' && encoded !== 'identity'
        ? `(${encoded}-encoded body, ${body.length} bytes)`
        : redactedSummary(scanner, body.toString('utf8'), SUMMARY_CHARS);
  return {
    kind: 'http',
    method: x.req.method ?? 'GET',
    url: redactedSummary(scanner, targetOf(x), SUMMARY_CHARS),
    ...approvalWho(x.principal),
    body: summary,
    bodyBytes: body?.length ?? 0,
    why,
  };
}
