/**
 * The gate's control socket: the server the gate runs (mint and renew tokens for
 * `sluice run`, status), the client the CLI calls it with, and the wire types.
 *
 * @example
 * import { controlCall, type StatusAnswer } from './control/index.js';
 * const status = await controlCall<StatusAnswer>(socketPath, 'GET', '/status');
 */
export { ControlRefused, ControlUnreachable, controlCall } from './control-client.js';
export { ControlServer } from './control-server.js';
export type { ControlRefusal, MintRequest, RenewAnswer, RenewRequest, RunAnswer, RunIdentity, StatusAnswer } from './protocol.js';
