/**
 * The config module: schema, loading, and the shipped config texts.
 *
 * @example
 * import { loadConfig } from './config/index.js';
 * const { config, version } = await loadConfig('sluice.yaml');
 */
export { formatDuration, parseDuration, MAX_DURATION_MS } from './duration.js';
export { parseCidr } from './cidr.js';
export { parseHostName, parseHostPattern, isHostName } from './host-pattern.js';
export { parseListen } from './listen-address.js';
export type { ListenAddress } from './listen-address.js';
export { configSchema, ruleSchema, LOG_LEVELS } from './schema.js';
export type { Config, ParsedConfig, Rule, LogLevel } from './schema.js';
export { loadConfig, parseConfig } from './load.js';
export type { LoadedConfig } from './load.js';
export { starterConfig, exampleConfig } from './starter.js';
