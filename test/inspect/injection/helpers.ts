import type { InjectionFinding } from '../../../src/inspect/injection/types.js';
import type { InjectionScanner } from '../../../src/inspect/injection/scanner.js';

/** Stream `body` through a response scanner in chunks of `step` bytes. */
export function scanBody(scanner: InjectionScanner, contentType: string | undefined, body: string | Buffer, step = 4096): InjectionFinding[] {
  const rs = scanner.responseScanner(contentType, 'response.body');
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const out: InjectionFinding[] = [];
  for (let i = 0; i < bytes.length; i += step) out.push(...rs.push(bytes.subarray(i, i + step)));
  return [...out, ...rs.end()];
}

export const blocking = (fs: readonly InjectionFinding[]): InjectionFinding[] => fs.filter((f) => f.action === 'block');
export const types = (fs: readonly InjectionFinding[]): string[] => [...new Set(blocking(fs).map((f) => f.type))].sort();
export const rules = (fs: readonly InjectionFinding[]): string[] => [...new Set(fs.map((f) => `${f.rule}:${f.action}`))].sort();
