import { scanningKeyIdOnly } from '../../credentials/aws/agent-signature.js';
import { countedBody } from '../forward.js';
import { guardBodyOverride } from '../body-override.js';
import { upstreamRequestHeaders } from '../hop-by-hop.js';
import { inspectBody, inspectHead } from '../inspect-request.js';
import { once } from '../mcp/answer.js';
import { overrideCheck } from '../method-override.js';
import { hasBody } from '../framing-guard.js';
import { DEFAULT_SCAN_BUDGET_MS, scanPaceOf } from '../../inspect/scan-pace.js';
import { decideAs } from './decide.js';
import type { Exchange } from './exchange.js';

/**
 * Outbound DLP on what the agent sent, before the gate adds anything of its own: URL
 * and headers now (a block refuses, a redaction rewrites in place), the body as it
 * streams (a form body's method override is decided as it goes). Starts the upstream
 * request: end-to-end headers only, the path under the route's base.
 */
export function inspectOut(x: Exchange, next: () => Promise<void>): Promise<void> {
  const { state, req } = x;
  const profile = x.decision!.profile;
  const headers = upstreamRequestHeaders(req.headers);
  const up: NonNullable<Exchange['up']> = { headers, path: x.dest!.pathPrefix + x.target, scrub: [], rewritten: [] };
  // A rule that re-signs AWS requests strips the agent's placeholder signature: its key id alone is scanned.
  if (x.decision!.credential?.type === 'aws_sigv4') scanningKeyIdOnly(headers, () => inspectHead(state.dlp, x, profile, up));
  else inspectHead(state.dlp, x, profile, up);
  if (hasBody(req)) {
    // The body the MCP intake read ahead (counted there), else read from the agent as it streams.
    const intake = x.intake;
    const readAhead = intake === null ? null : intake.kind === 'forward' ? once(intake.body) : intake.kind === 'pass' ? intake.body : null;
    up.body = inspectBody(
      state.dlp,
      x,
      profile,
      guardBodyOverride(
        readAhead ?? countedBody(x),
        req.headers,
        overrideCheck(x, (m, path) => decideAs(x, m, path)),
        state.inspect.max_decompressed_bytes,
        scanPaceOf(x, state.dlp.scanBudgetMs ?? DEFAULT_SCAN_BUDGET_MS),
      ),
    );
  }
  x.up = up;
  return next();
}
