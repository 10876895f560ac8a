/**
 * `sluice run`'s launcher: prepares the agent's process (proxy variables, trust
 * files, the sandbox) so it reaches the network only through the gate.
 *
 * @example
 * import { prepareLaunch, CLIENT_VARS } from './launcher/index.js';
 * const launch = await prepareLaunch(session, process.env, flags);
 */
export { prepareLaunch } from './launch.js';
export type { Launch, LaunchFlags, LaunchSession } from './launch.js';
export { CLEARED_VARS, CLIENT_VARS } from './client-vars.js';
export type { ClientVar, VarValue } from './client-vars.js';
