/**
 * A partial result (`partial_result`, a structured fallback, not a refusal): the
 * deciding rule says `redact: [...]`, so its JSON response reaches the agent with those
 * fields replaced by REDACTED_MARKER, the header `x-sluice-partial` naming the entries
 * that matched, and one `partial_result` finding per entry in the audit record (whose
 * reason becomes `partial_result`). The status is the upstream's.
 *
 * Fail closed: the body is decoded (content-encoding, within the decompression
 * limits) and read whole up to `inspect.max_response_scan_bytes`, then parsed with the
 * strict reader the MCP guard uses (inspect/json-strict.ts: what the agent's parser
 * would read, or a refusal). A body over the limit, in an encoding the gate cannot
 * read, that is not strict JSON, or an event stream (which cannot be redacted field by
 * field) is refused (403 `response_unreadable`, naming the rule and why): an
 * unredacted body never leaves. So is a WebSocket or passthrough tunnel the rule
 * allows, at its decision (refuseUnredactable). An MCP or A2A exchange under an HTTP rule with
 * `redact:` is refused the same way; its tool results are redacted by a tool rule's
 * `redact:` (mcp/steps/redact-answer.ts).
 *
 * A body whose fields were replaced is a new representation: its content-length,
 * content-encoding (it leaves decoded), ETag and digests are dropped.
 *
 * @example
 * inspect: (status, headers) => partialResult(x, specs, null, status, headers)
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Finding } from '../inspect/finding.js';
import { readJsonStrict } from '../inspect/json-strict.js';
import { redactValue, type RedactSpec } from '../inspect/redact-paths.js';
import { FALLBACKS } from '../refusals.js';
import { plainScan } from './a2a/response.js';
import { BufferedInspector } from './a2a/buffered.js';
import { Rejection } from './errors-map.js';
import { responseBody } from './header-text.js';
import type { Exchange } from './pipeline/exchange.js';
import { ResponseBlockedError, type BodyInspector } from './response-inspector.js';

/** Headers that describe the upstream's exact bytes, wrong once fields are replaced. */
const REPRESENTATION_HEADERS = ['etag', 'content-md5', 'digest', 'content-digest', 'repr-digest'] as const;

const LIMIT = 'inspect.max_response_scan_bytes';

/**
 * The inspector for a response under a rule with `redact:`; null when there is no body
 * (HEAD, 204, 304). `protocol`: the exchange is MCP or A2A (refused: see above).
 */
export function partialResult(
  x: Exchange,
  specs: readonly RedactSpec[],
  protocol: string | null,
  status: number,
  headers: IncomingHttpHeaders,
): BodyInspector | null {
  const body = responseBody(x.req.method, status, headers);
  if (body === null) return null;
  const rule = x.decision?.rule ?? '-';
  if (protocol !== null)
    return refusing(
      `rule ${rule} redacts fields of plain JSON responses, but this is an ${protocol} exchange; redact its tool results with an MCP tool rule's redact: instead`,
    );
  if (body.sse) return refusing(`rule ${rule} redacts fields, and an event stream cannot be redacted field by field`);
  return new PartialInspector(x, specs, headers);
}

class PartialInspector extends BufferedInspector {
  /** The head waits for the whole (bounded) body: it leaves in one write with its real length. */
  override readonly holdBytes: number;

  constructor(
    private readonly x: Exchange,
    private readonly specs: readonly RedactSpec[],
    headers: IncomingHttpHeaders,
  ) {
    super(x.state, headers, x.state.inspect.max_response_scan_bytes, LIMIT);
    this.holdBytes = this.max + 1;
  }

  protected finish(body: Buffer): Buffer[] {
    const x = this.x;
    if (body.length === 0) return [];
    const read = readJsonStrict(body, { maxBytes: this.max });
    if (!read.ok) {
      const f: Finding = { type: 'partial_result', location: 'response.body', action: 'block', detail: `not strict JSON: ${read.code}` };
      this.findings.push(f);
      throw new ResponseBlockedError(
        'response_unreadable',
        `rule ${x.decision?.rule ?? '-'} redacts fields of this response, but it cannot be read as JSON the way the agent would read it (${read.message}); refused rather than passed unredacted`,
        [f],
      );
    }
    const { matched } = redactValue(read.value, this.specs);
    let out = body;
    if (matched.length > 0) {
      out = Buffer.from(JSON.stringify(read.value), 'utf8');
      for (const spec of matched) this.findings.push({ type: 'partial_result', location: 'response.body', action: 'redact', detail: spec });
      x.reason = 'partial_result';
      const res = x.res;
      if (!res.headersSent) {
        for (const h of REPRESENTATION_HEADERS) res.removeHeader(h);
        res.setHeader(FALLBACKS.partial_result.header, matched.join(', '));
      }
    }
    return x.decision?.profile.injection === 'off' ? [out] : [plainScan(x.state, out, this.findings)];
  }
}

/**
 * A rule with `redact:` cannot be met on a raw carrier (a WebSocket's frames, a
 * passthrough tunnel's opaque bytes): the gate never reads them as one JSON document,
 * so such an exchange is refused at its decision, naming the rule, rather than relayed
 * unredacted. Called by the decide step.
 *
 * @example
 * refuseUnredactable(x, d.rule); // throws for a WebSocket under a rule with redact:
 */
export function refuseUnredactable(x: Exchange, rule: string): void {
  if (x.carrier === null || !x.state.redactions.has(rule)) return;
  const what = x.transport === 'tunnel' ? 'a passthrough tunnel (its bytes are never read)' : 'a WebSocket (its messages are not one JSON document)';
  throw new Rejection(
    'response_unreadable',
    `rule ${rule} redacts response fields (redact:), which ${what} cannot carry; refused rather than relayed unredacted`,
    rule,
  );
}

/** An inspector that refuses any body, for a response that cannot be redacted. */
function refusing(reason: string): BodyInspector {
  const f: Finding = { type: 'partial_result', location: 'response.body', action: 'block', detail: 'cannot redact' };
  const fail = (): Promise<Buffer[]> =>
    Promise.reject(new ResponseBlockedError('response_unreadable', `${reason}; refused rather than passed unredacted`, [f]));
  return { findings: [f], decodes: false, holdBytes: 1, push: fail, end: fail };
}
