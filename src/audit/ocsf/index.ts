/**
 * The OCSF export of the audit trail: records as OCSF 1.3.0 events (map.ts) to a file,
 * syslog or an HTTPS webhook (`audit.export`).
 *
 * @example
 * import { toOcsf, OcsfExportSink } from './audit/ocsf/index.js';
 */
export { OCSF_VERSION, toOcsf } from './map.js';
export type { OcsfEvent } from './map.js';
export { OcsfExportSink } from './export-sink.js';
export { syslogMessage } from './syslog-export.js';
