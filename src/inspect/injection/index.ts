/**
 * Prompt-injection inspection of inbound content: response bodies (HTML, JSON,
 * SSE, text), MCP tool descriptions and A2A agent cards. Pure: no I/O, no sockets.
 *
 * @example
 * import { InjectionScanner } from './inspect/injection/index.js';
 * const scanner = new InjectionScanner();
 * const rs = scanner.responseScanner(res.headers['content-type'], 'response.body');
 */
export { InjectionScanner, injectionScannerFor } from './scanner.js';
export type { InjectionScannerOptions } from './scanner.js';
export type { ResponseScanner } from './response-scanner.js';
export { DEFAULT_MAX_SCAN_BYTES } from './response-scanner.js';
export { stripInjections, InjectionStripError } from './strip.js';
export { PATTERNS } from './patterns.js';
export { normalizeText } from './normalize.js';
export type { NormalizedText } from './normalize.js';
export type { Finding, InjectionFinding, InjectionCategory, InjectionPattern, PatternScope, TextSegment } from './types.js';
