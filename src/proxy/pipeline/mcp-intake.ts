import { answerMcp, mcpCandidate } from '../mcp/answer.js';
import { intakeMcp, type McpIntake } from '../mcp/intake.js';
import type { Exchange } from './exchange.js';

/** What the intake says of a request that cannot be MCP (not a JSON-RPC candidate POST): nothing read. */
const NOT_MCP: McpIntake = Object.freeze({ kind: 'pass', body: null });

/**
 * MCP (and A2A) is recognised by its body, so the body is read here (bounded), before
 * anything is dialled; the guard may answer the agent itself and stop the list. A
 * request that cannot be MCP (a GET, a POST of another type) goes on in the same turn.
 */
export function mcpIntake(x: Exchange, next: () => Promise<void>): Promise<void> {
  const candidate = mcpCandidate(x.req);
  if (!candidate) {
    x.intake = NOT_MCP;
    return next();
  }
  if (x.expectContinue) {
    x.res.writeContinue();
    x.continued = true;
  }
  return intakeMcp(x.gate, x.state, x).then((intake) => {
    if (intake.kind === 'reply') return answerMcp(x, intake.payload, intake.refusal);
    x.intake = intake;
    return next();
  });
}
