/**
 * The injection evaluator: a case's body streamed through a response scanner
 * for its Content-Type, in 16 KiB chunks as the gate feeds it. Flagged means a
 * blocking finding (a `warn` is what an operator sees, not what stops the page).
 */
import type { DetectionCase } from './case.js';
import { InjectionScanner } from '../../src/inspect/injection/scanner.js';

const scanner = new InjectionScanner();
const CHUNK = 16 * 1024;

export function evaluate(c: DetectionCase): boolean {
  const body = c.input.body ?? '';
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const rs = scanner.responseScanner(c.input.headers?.['content-type'], 'response.body');
  let hit = false;
  for (let i = 0; i < bytes.length && !hit; i += CHUNK) hit = rs.push(bytes.subarray(i, i + CHUNK)).some((f) => f.action === 'block');
  if (!hit) hit = rs.end().some((f) => f.action === 'block');
  return hit;
}

/** The rules that blocked, for the runner's --verbose listing. */
export function explain(c: DetectionCase): string[] {
  const body = c.input.body ?? '';
  const rs = scanner.responseScanner(c.input.headers?.['content-type'], 'response.body');
  const f = [...rs.push(typeof body === 'string' ? Buffer.from(body) : body), ...rs.end()];
  return f.filter((x) => x.action === 'block').map((x) => `${x.rule}: ${x.excerpt}`);
}
