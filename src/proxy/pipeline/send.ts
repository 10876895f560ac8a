import { forward } from '../forward.js';
import { decodedForScrub } from '../scrub-decoding.js';
import { responsePlan } from './response-plan.js';
import { usageTap } from '../budgets.js';
import type { Exchange } from './exchange.js';

/**
 * Send the request upstream and stream the response back through its body filters
 * (scrub, inspect, hold: pipeline/response/chain.ts, driven by forward.ts); resolves when the response has ended.
 */
export function send(x: Exchange, _next: () => Promise<void>): Promise<void> {
  const { state, req, res } = x;
  const up = x.up!;
  const intake = x.intake;
  if (intake?.kind === 'forward') {
    // The body the intake read is what goes: its length, and no encoding when it is the gate's own JSON.
    if (up.headers['content-length'] !== undefined) up.headers['content-length'] = String(intake.body.length);
    if (intake.protocol === 'mcp' && intake.rewritten) delete up.headers['content-encoding'];
  }
  const limits = { maxDecompressedBytes: state.inspect.max_decompressed_bytes, maxRatio: state.inspect.max_decompression_ratio };
  const method = req.method ?? 'GET';
  const inspect = decodedForScrub(responsePlan(x), up.scrub.length > 0, method, limits);
  if (x.expectContinue && !x.continued) res.writeContinue();
  const dest = x.dest!;
  return forward(x, dest.pool!, {
    method,
    path: up.path,
    headers: up.headers,
    servername: dest.servername,
    body: up.body ?? null,
    scrub: up.scrub,
    inspect,
    cut: x.cut ?? undefined,
    usage: usageTap(x),
  });
}
