/** The call is read as a tool call (a name and an arguments object), or refused as invalid. */
import type { Step } from '../../compose.js';
import { readToolCall } from '../../inspect/mcp/messages.js';
import { refuse, type CallExchange } from './exchange.js';

export const readCall: Step<CallExchange> = async (x, next) => {
  const read = readToolCall(x.msg);
  if (read === null || typeof read === 'string') return refuse(x, 'mcp_invalid_call', read ?? 'not a tool call');
  x.tool = read.name;
  x.args = read.args;
  await next();
};
