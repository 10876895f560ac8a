/**
 * The composition root's public surface: open the services a consumer needs, by
 * interface, from the config.
 *
 * @example
 * import { openRuntime } from './runtime/index.js';
 * const rt = await openRuntime(loaded, { need: ['pins'] });
 */
export { openRuntime, CLOCK_TOLERANCE_SEC } from './open-runtime.js';
export type { Need, Runtime, RuntimeOptions, RuntimeSource, Services } from './open-runtime.js';
export type { AuditReader, AuditWriter, RevocationStore, SecretStore, ToolPinStore } from './interfaces.js';
export { SqliteAuditReader } from './audit-reader.js';
export { stateBackend } from './state-backend.js';
export type { PinOptions, StateBackend } from './state-backend.js';
