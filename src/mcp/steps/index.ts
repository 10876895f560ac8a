/**
 * The MCP guard's steps, in order, in one place (DESIGN.md, "The pipeline"): a tool
 * call from the client goes through CALL_STEPS, a result from the server through
 * ANSWER_STEPS. Each step is one file with the request pipeline's signature,
 * `(x, next) => Promise<void>`, composed the same way (proxy/pipeline/compose.ts); the
 * audit record comes first in each list because it acts after the others, on what
 * they decided.
 *
 * @example
 * await runCall(x);
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
import { rateLimitTool } from './rate-limit.js';
import { budgetTool } from './budget.js';
import { chainDepth } from './depth.js';
import { approveTool } from './approve.js';
import { toolList } from './tool-list.js';
import { scanAnswer } from './scan-answer.js';
import { redactAnswer } from './redact-answer.js';
import { stopAnswer, stopCall } from './stop.js';
import { compose, type NamedStep } from '../../compose.js';
import type { AnswerExchange, CallExchange } from './exchange.js';

/** tools/call, client to server: read, decide, refuse a blocked tool, inspect the arguments, watch the session's chain and depth, meet a human approval, count against the rule's rate limit. */
export const CALL_STEPS: readonly NamedStep<CallExchange>[] = [
  { name: 'record', run: recordCall },
  { name: 'read', run: readCall },
  { name: 'stop', run: stopCall },
  { name: 'decide', run: decideTool },
  { name: 'pinned', run: pinnedTool },
  { name: 'inspect-args', run: inspectArgs },
  { name: 'shell', run: shellArgs },
  { name: 'chain', run: chainOfCalls },
  { name: 'depth', run: chainDepth },
  { name: 'approve', run: approveTool },
  { name: 'rate-limit', run: rateLimitTool },
  { name: 'budget', run: budgetTool },
];

/** A result, server to client: a tools/list filtered and pinned, the whole result scanned for injection, then a tool rule's `redact:` fields replaced. */
export const ANSWER_STEPS: readonly NamedStep<AnswerExchange>[] = [
  { name: 'record', run: recordAnswer },
  { name: 'stop', run: stopAnswer },
  { name: 'tool-list', run: toolList },
  { name: 'scan', run: scanAnswer },
  { name: 'redact', run: redactAnswer },
];

export const runCall = compose(CALL_STEPS);
export const runAnswer = compose(ANSWER_STEPS);
