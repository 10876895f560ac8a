/** DLP (and, by default, injection) over the call's arguments: a secret or injected instructions do not reach the server. */
import type { Step } from '../../compose.js';
import { scanKnownElsewhere, scanOutbound } from '../scan.js';
import { describe, refuse, type CallExchange } from './exchange.js';

export const inspectArgs: Step<CallExchange> = async (x, next) => {
  const { env, ch, args } = x;
  const name = x.tool!;
  const findings = (x.findings = [
    ...scanOutbound(env, ch.info.profile, args, env.settings.scanArgsInjection),
    ...(await scanKnownElsewhere(env, ch.info.profile, args)),
  ]);
  const stop = findings.filter((f) => f.action !== 'warn');
  if (stop.length > 0) {
    // Injected instructions relayed in the arguments are named as such, not as a data leak.
    if (stop.every((f) => f.type.startsWith('prompt_injection')))
      return refuse(x, 'injection_blocked', `the arguments of tool ${name} carry a prompt injection: ${describe(stop)}`);
    return refuse(x, 'dlp_blocked', `the arguments of tool ${name} carry data that must not leave: ${describe(stop)}`);
  }
  await next();
};
