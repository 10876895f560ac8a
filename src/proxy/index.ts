/**
 * The proxy: the gate (listener, CONNECT, TLS interception, WebSocket) and the
 * pipeline it runs each request through. What other folders use is the gate
 * itself, the verdict `sluice explain` shares with it, and the agent resolver.
 *
 * @example
 * import { Gate } from './proxy/index.js';
 * const gate = await Gate.start({ loaded, ca, logger, listen: { host: '127.0.0.1', port: 0 } });
 * await gate.close();
 */
export { CLOCK_TOLERANCE_SEC, Gate } from './gate.js';
export type { GateOptions, ReloadResult } from './gate.js';
export { gateVerdict } from './gate-verdict.js';
export type { GateChecks, GateVerdict } from './gate-verdict.js';
export { agentResolver, metadataOptIn } from './agent-resolver.js';
