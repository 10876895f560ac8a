/**
 * Parse config text as YAML and collect the problems YAML itself can see:
 * syntax errors, duplicate keys, an empty file. Every problem carries a line.
 */
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import type { ConfigProblem } from '../errors.js';
import { YamlLocator, dottedPath, keyText } from './yaml-locate.js';
import type { ConfigPath } from './yaml-locate.js';

export interface YamlSource {
  doc: Document;
  locator: YamlLocator;
  /** Problems that make the document unusable: checking it against the schema would only add noise. */
  fatal: ConfigProblem[];
  /** Problems worth reporting alongside schema problems. */
  problems: ConfigProblem[];
}

/**
 * @example
 * const { doc, fatal } = readYaml('version: 1\n', '/etc/sluice/sluice.yaml');
 */
export function readYaml(text: string, file: string): YamlSource {
  const lines = new LineCounter();
  // Duplicate keys are found below instead, so the message can name the first occurrence.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const locator = new YamlLocator(doc, lines);
  const fatal: ConfigProblem[] = doc.errors.map((err) => {
    const { line, column } = locator.at(err.pos[0]);
    return { file, line, column, path: '', message: `YAML syntax error: ${err.message}` };
  });
  const empty = doc.contents == null || (isScalar(doc.contents) && doc.contents.value == null);
  if (fatal.length === 0 && empty) {
    fatal.push({ file, line: 1, column: 1, path: '', message: "the file has no settings; expected a map starting with 'version: 1'" });
  }
  const problems: ConfigProblem[] = [];
  collectDuplicateKeys(doc.contents, [], locator, file, problems);
  return { doc, locator, fatal, problems };
}

function collectDuplicateKeys(node: unknown, path: ConfigPath, locator: YamlLocator, file: string, out: ConfigProblem[]): void {
  if (isMap(node)) {
    const first = new Map<string, number>();
    for (const pair of node.items) {
      const key = keyText(pair);
      const here = pair.key != null && isRanged(pair.key) ? locator.at(pair.key.range[0]) : undefined;
      const seenLine = first.get(key);
      if (seenLine !== undefined) {
        out.push({
          file,
          ...here,
          path: dottedPath([...path, key]),
          message: `duplicate key '${key}' (first at line ${seenLine}); a key may appear only once in a map`,
        });
      } else if (here) {
        first.set(key, here.line);
      }
      collectDuplicateKeys(pair.value, [...path, key], locator, file, out);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => collectDuplicateKeys(isPair(item) ? item.value : item, [...path, i], locator, file, out));
  }
}

function isRanged(v: unknown): v is { range: [number, number, number] } {
  return typeof v === 'object' && v !== null && Array.isArray((v as { range?: unknown }).range);
}
