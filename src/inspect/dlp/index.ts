/**
 * Outbound DLP: the public surface.
 *
 * @example
 * import { DlpScanner, KnownSecrets } from './inspect/dlp/index.js';
 * const dlp = new DlpScanner({ known: new KnownSecrets([{ name: 'api', value: 'secret-value-123' }]) });
 */
export { DlpScanner } from './scanner.js';
export type { DlpOptions } from './scanner.js';
export type { BodyScanner } from './body-scanner.js';
export { KnownSecrets } from './known-secrets.js';
export type { KnownSecret } from './known-secrets.js';
export { scanHostname } from './hostname.js';
export { builtinPatterns } from './patterns/index.js';
export type { PatternSpec, RunTrigger } from './pattern-spec.js';
export { UnsafePatternError, compileOperatorPattern } from './operator-patterns.js';
export type { OperatorPattern } from './operator-patterns.js';
export type { Finding, FindingAction } from '../finding.js';
