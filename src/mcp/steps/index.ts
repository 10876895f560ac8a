/**
 * The MCP guard's steps, in order, in one place (DESIGN.md, "The pipeline"): a tool
 * call from the client goes through CALL_STEPS, a result from the server through
 * ANSWER_STEPS. Each step is one file with one signature, `(x, next) => Promise<void>`
 * (exchange.ts); the audit record comes first in each list because it acts after the
 * others, on what they decided.
 *
 * @example
 * await runSteps(CALL_STEPS, x);
 * if (x.refusal) reply(x.refusal);
 */
import { recordAnswer } from './record-answer.js';
import { recordCall } from './record-call.js';
import { readCall } from './read-call.js';
import { decideTool } from './decide.js';
import { pinnedTool } from './pinned.js';
import { inspectArgs } from './inspect-args.js';
import { shellArgs } from './shell.js';
import { chainOfCalls } from './chain.js';
import { toolList } from './tool-list.js';
import { scanAnswer } from './scan-answer.js';
import type { AnswerExchange, CallExchange, McpStep } from './exchange.js';

/** tools/call, client to server: read, decide, refuse a blocked tool, inspect the arguments, watch the session's chain. */
export const CALL_STEPS: readonly McpStep<CallExchange>[] = [recordCall, readCall, decideTool, pinnedTool, inspectArgs, shellArgs, chainOfCalls];

/** A result, server to client: a tools/list filtered and pinned, then the whole result scanned for injection. */
export const ANSWER_STEPS: readonly McpStep<AnswerExchange>[] = [recordAnswer, toolList, scanAnswer];

/** Run `steps` on `x`, each calling the next through `next`. */
export function runSteps<X>(steps: readonly McpStep<X>[], x: X): Promise<void> {
  const at = (i: number): Promise<void> => (i < steps.length ? steps[i]!(x, () => at(i + 1)) : Promise.resolve());
  return at(0);
}
