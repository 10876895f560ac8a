/** An obfuscated command word in the arguments (r\m, `rm`, $'\162\155', fullwidth letters...) has no honest use: refused. */
import type { Step } from '../../compose.js';
import { scanShellArgs } from '../../inspect/mcp/shell-obfuscation.js';
import { describe, refuse, type CallExchange } from './exchange.js';

export const shellArgs: Step<CallExchange> = async (x, next) => {
  const name = x.tool!;
  const shell = scanShellArgs(x.args, name);
  x.findings.push(...shell);
  const bad = shell.filter((f) => f.action === 'block');
  if (bad.length > 0) return refuse(x, 'shell_obfuscation_blocked', `the arguments of tool ${name} carry an obfuscated shell command: ${describe(bad)}`);
  await next();
};
