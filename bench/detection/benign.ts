/**
 * The benign corpus as cases: the gathered real documents (built into
 * bench/.cache/benign on first run, see gather-benign.ts) and the near-line
 * documents written for this benchmark (corpus/near-line, committed). Each is a
 * response an agent reads (injection) and equally a body an agent might send
 * (DLP): `input` carries method and url too, and run.ts runs benign cases
 * through every scanner in BENIGN_SCANNERS.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { DetectionCase } from './case.js';
import { CACHE, ROOT, gather } from './gather-benign.js';

export const NEAR_LINE = join(ROOT, 'bench/detection/corpus/near-line');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.json': 'application/json',
  '.jsonl': 'application/x-ndjson',
  '.sse': 'text/event-stream',
  '.yml': 'application/yaml',
  '.yaml': 'application/yaml',
};

function doc(id: string, category: string, source: string, contentType: string, body: string): DetectionCase {
  return {
    id: `benign/${id}`,
    scanner: 'injection',
    kind: 'benign',
    category,
    placement: 'document',
    source,
    input: { method: 'POST', url: 'https://docs.example.com/upload', headers: { 'content-type': contentType }, body },
  };
}

/** The near-line documents only (tests use these without gathering). */
export function nearLineCases(): DetectionCase[] {
  return readdirSync(NEAR_LINE)
    .sort()
    .map((name) => {
      const source = `bench/detection/corpus/near-line/${name}`;
      return doc(`near-line/${name}`, 'near-line', source, TYPES[extname(name)] ?? 'text/plain; charset=utf-8', readFileSync(join(NEAR_LINE, name), 'utf8'));
    });
}

export function cases(): DetectionCase[] {
  const { entries } = gather();
  const out = entries.map((e) => doc(e.id, e.category, e.source, e.contentType, readFileSync(join(CACHE, `${e.id.replace('/', '_')}.txt`), 'utf8')));
  return [...out, ...nearLineCases()];
}
