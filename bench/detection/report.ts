/**
 * Tallies detection outcomes per scanner, kind and category, and prints them as
 * a Markdown table (pasted into docs/detection.md as is).
 */
import type { DetectionCase } from './case.js';

export interface Outcome {
  c: DetectionCase;
  flagged: boolean;
}
export interface Row {
  scanner: string;
  kind: string;
  category: string;
  cases: number;
  flagged: number;
}

export function tally(outcomes: readonly Outcome[]): Row[] {
  const rows = new Map<string, Row>();
  for (const { c, flagged } of outcomes) {
    for (const category of [c.category, '(all)']) {
      const key = `${c.scanner}|${c.kind}|${category}`;
      const row = rows.get(key) ?? { scanner: c.scanner, kind: c.kind, category, cases: 0, flagged: 0 };
      row.cases++;
      if (flagged) row.flagged++;
      rows.set(key, row);
    }
  }
  return [...rows.values()].sort((a, b) => a.scanner.localeCompare(b.scanner) || a.kind.localeCompare(b.kind) || a.category.localeCompare(b.category));
}

const pct = (n: number, d: number): string => `${((100 * n) / Math.max(d, 1)).toFixed(1)}%`;

export function printRows(rows: readonly Row[]): void {
  console.log('| scanner | kind | category | cases | detection (attacks) | false positives (benign) |');
  console.log('| --- | --- | --- | ---: | ---: | ---: |');
  for (const r of rows) {
    const rate = pct(r.flagged, r.cases);
    console.log(
      `| ${r.scanner} | ${r.kind} | ${r.category} | ${r.cases} | ${r.kind === 'attack' ? rate : ''} | ${r.kind === 'benign' ? `${rate} (${r.flagged})` : ''} |`,
    );
  }
}
