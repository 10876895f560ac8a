/**
 * The request path, stated once per transport: each list is the order its steps run
 * in (compose.ts), each step one file in this folder. A listener builds an exchange
 * (exchange.ts) from the config of the moment and runs its transport's list.
 *
 *   HTTP (plain and intercepted), WebSocket upgrade, CONNECT (intercepted or passthrough)
 *
 * Operators' own steps (config `middleware:`, operator-steps.ts) are placed into the
 * HTTP and WebSocket lists before or after a step named here, per config load.
 */
import type { NamedStep } from '../../compose.js';
import { compose } from '../../compose.js';
import type { Exchange } from './exchange.js';
import type { LoadedOperatorStep } from './operator-steps.js';
import { recordOnClose } from './record-on-close.js';
import { recordAtEnd } from './record-at-end.js';
import { refuse } from './refuse.js';
import { identify } from './identify.js';
import { forensics } from './forensics.js';
import { classify } from './classify.js';
import { stop } from './stop.js';
import { hostChecks } from './host-checks.js';
import { decide } from './decide.js';
import { holdExchange } from './hold-exchange.js';
import { holdSession } from './hold-session.js';
import { holdTunnel } from './hold-tunnel.js';
import { openRecord } from './open-record.js';
import { respond } from './respond.js';
import { mcpIntake } from './mcp-intake.js';
import { route } from './route.js';
import { approve } from './approve.js';
import { inspectOut } from './inspect-out.js';
import { rewrite } from './rewrite.js';
import { govern } from './govern.js';
import { inject } from './inject.js';
import { send } from './send.js';
import { websocketOnly } from './websocket-only.js';
import { websocketHandshake } from './websocket-handshake.js';
import { relay } from './relay.js';
import { connectTarget } from './connect-target.js';
import { interceptTunnel } from './intercept-tunnel.js';
import { spliceTunnel } from './splice-tunnel.js';

type S = NamedStep<Exchange>;
const step = (name: string, run: S['run']): S => ({ name, run });

/** A plain proxy request, or one inside an intercepted tunnel. */
export const HTTP_STEPS: readonly S[] = [
  step('record', recordOnClose),
  step('refuse', refuse),
  step('identify', identify),
  step('classify', classify),
  step('forensics', forensics),
  step('stop', stop),
  step('host-checks', hostChecks),
  step('decide', decide),
  step('hold', holdExchange),
  step('open-record', openRecord),
  step('respond', respond),
  step('mcp-intake', mcpIntake),
  step('approve', approve),
  step('route', route),
  step('inspect-out', inspectOut),
  step('rewrite', rewrite),
  step('govern', govern),
  step('inject', inject),
  step('send', send),
];

/** A WebSocket upgrade: decided like a request, then relayed frame by frame. */
export const WEBSOCKET_STEPS: readonly S[] = [
  step('record', recordAtEnd),
  step('refuse', refuse),
  step('websocket-only', websocketOnly),
  step('identify', identify),
  step('classify', classify),
  step('stop', stop),
  step('host-checks', hostChecks),
  step('decide', decide),
  step('hold', holdSession),
  step('open-record', openRecord),
  step('respond', respond),
  step('approve', approve),
  step('handshake', websocketHandshake),
  step('route', route),
  step('inspect-out', inspectOut),
  step('rewrite', rewrite),
  step('govern', govern),
  step('inject', inject),
  step('relay', relay),
];

/** CONNECT: intercepted (handed to the HTTP list, request by request), or a passthrough host decided by host and spliced. */
export const CONNECT_STEPS: readonly S[] = [
  step('record', recordAtEnd),
  step('refuse', refuse),
  step('connect-target', connectTarget),
  step('identify', identify),
  step('stop', stop),
  step('hold', holdTunnel),
  step('intercept', interceptTunnel),
  step('host-checks', hostChecks),
  step('decide', decide),
  step('approve', approve),
  step('route', route),
  step('open-record', openRecord),
  step('govern', govern),
  step('splice', spliceTunnel),
];

export interface Pipelines {
  readonly http: (x: Exchange) => Promise<void>;
  readonly websocket: (x: Exchange) => Promise<void>;
  readonly connect: (x: Exchange) => Promise<void>;
}

const NONE: readonly LoadedOperatorStep[] = [];
const built = new WeakMap<readonly LoadedOperatorStep[], Pipelines>();

/**
 * The composed lists for a config load's operator steps (built once per load).
 *
 * @example
 * await pipelines(x.state.operatorSteps).http(x);
 */
export function pipelines(operators: readonly LoadedOperatorStep[] = NONE): Pipelines {
  let p = built.get(operators);
  if (!p) {
    p = {
      http: compose(place(HTTP_STEPS, operators)),
      websocket: compose(place(WEBSOCKET_STEPS, operators)),
      connect: compose(CONNECT_STEPS),
    };
    built.set(operators, p);
  }
  return p;
}

/** The names a `middleware:` entry may place itself before or after. */
export function stepNames(): string[] {
  return [...new Set([...HTTP_STEPS, ...WEBSOCKET_STEPS].map((s) => s.name))];
}

/**
 * `list` with the operators' steps placed, in config order, right after (or before)
 * the step they name; a list without that step leaves them out (a WebSocket has no
 * `send`). The error boundary and the record always come first: a step cannot go before them.
 *
 * @example
 * place(HTTP_STEPS, [{ spec: { after: 'decide' }, step }]).map((s) => s.name); // [..., 'decide', 'middleware:x', 'hold', ...]
 */
export function place(list: readonly S[], operators: readonly Pick<LoadedOperatorStep, 'spec' | 'step'>[]): S[] {
  const out = [...list];
  for (const o of operators) {
    const anchor = o.spec.before ?? o.spec.after ?? 'decide';
    const at = out.findIndex((s) => s.name === anchor);
    if (at === -1) continue;
    if (o.spec.before !== undefined) {
      out.splice(Math.max(at, 2), 0, o.step);
      continue;
    }
    // After the anchor and after the operators' steps already placed there: config order holds.
    let i = at + 1;
    while (out[i]?.name.startsWith('middleware:')) i++;
    out.splice(i, 0, o.step);
  }
  return out;
}
