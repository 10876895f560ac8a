/** The result the client (and the model) will read is scanned for prompt injection; a blocking finding refuses it unless warned. */
import type { Step } from '../../compose.js';
import { scanInbound } from '../scan.js';
import type { AnswerExchange } from './exchange.js';

export const scanAnswer: Step<AnswerExchange> = async (x, next) => {
  const findings = (x.findings = scanInbound(x.env, x.msg.result, 'mcp.result'));
  x.stop = findings.filter((f) => f.action === 'block');
  x.blocked = x.stop.length > 0 && x.env.injectionAction !== 'warn';
  await next();
};
