/** The session's chain detector: a call that completes a dangerous sequence (read with one server, send with another) is refused. */
import type { Step } from '../../compose.js';
import { refuse, type CallExchange } from './exchange.js';

export const chainOfCalls: Step<CallExchange> = async (x, next) => {
  const { env } = x;
  const detector = env.settings.chain === 'off' ? null : x.guard.chainFor(x.ch, env);
  if (detector) {
    const name = x.tool!;
    const chain = detector.observe({ name, args: x.args }, Date.now()).map((f) => (env.settings.chain === 'warn' ? { ...f, action: 'warn' as const } : f));
    x.findings.push(...chain);
    const bad = chain.filter((f) => f.action === 'block');
    if (bad.length > 0)
      return refuse(
        x,
        'chain_blocked',
        `tool ${name} completes a dangerous sequence of tool calls in this session: ${bad.map((f) => f.detail ?? f.type).join('; ')}`,
      );
  }
  await next();
};
