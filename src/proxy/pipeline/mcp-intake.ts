import { answerMcp, mcpCandidate } from '../mcp/answer.js';
import { intakeMcp } from '../mcp/intake.js';
import type { Exchange } from './exchange.js';

/**
 * MCP (and A2A) is recognised by its body, so the body is read here (bounded), before
 * anything is dialled; the guard may answer the agent itself and stop the list.
 */
export async function mcpIntake(x: Exchange, next: () => Promise<void>): Promise<void> {
  if (x.expectContinue && mcpCandidate(x.req)) {
    x.res.writeContinue();
    x.continued = true;
  }
  const intake = await intakeMcp(x.gate, x.state, x);
  if (intake.kind === 'reply') return answerMcp(x, intake.payload, intake.refusal);
  x.intake = intake;
  return next();
}
