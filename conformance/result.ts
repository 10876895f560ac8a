/** Result lines (schemas/result.schema.json) and the closing summary. */
import type { BenchCase, Verdict } from './case.js';

export type ActualVerdictOrNa = 'block' | 'allow' | 'not_applicable' | 'error';
export type Score = 'pass' | 'fail' | 'not_applicable' | 'error';

/** One JSONL line, with exactly the fields the schema allows, in its order. */
export interface ResultLine {
  case_id: string;
  tool: string;
  tool_version: string;
  expected_verdict: Verdict;
  actual_verdict: ActualVerdictOrNa;
  score: Score;
  evidence: Record<string, unknown>;
  notes: string;
}

/** Who is being measured, as the result lines name it. */
export interface RunIdentity {
  tool: string;
  toolVersion: string;
}

/**
 * A result line for a case.
 *
 * @example
 * line(c, { tool: 'sluice', toolVersion: '0.1.0' }, 'block', { matched_signal: 'deny_contract:dlp_blocked' }, '').score // 'pass' when c expects block
 */
export function line(c: BenchCase, who: RunIdentity, actual: ActualVerdictOrNa, evidence: Record<string, unknown>, notes: string): ResultLine {
  return {
    case_id: c.id,
    tool: who.tool,
    tool_version: who.toolVersion,
    expected_verdict: c.expected_verdict,
    actual_verdict: actual,
    score: scoreOf(c.expected_verdict, actual),
    evidence,
    notes,
  };
}

/** The score an actual verdict earns against the expected one. */
export function scoreOf(expected: Verdict, actual: ActualVerdictOrNa): Score {
  if (actual === 'not_applicable') return 'not_applicable';
  if (actual === 'error') return 'error';
  return actual === expected ? 'pass' : 'fail';
}

export class Tally {
  passed = 0;
  failed = 0;
  notApplicable = 0;
  errors = 0;

  add(score: Score): void {
    if (score === 'pass') this.passed++;
    else if (score === 'fail') this.failed++;
    else if (score === 'not_applicable') this.notApplicable++;
    else this.errors++;
  }

  get total(): number {
    return this.passed + this.failed + this.notApplicable + this.errors;
  }

  /**
   * @example
   * new Tally().line() // 'results: 0 passed, 0 failed, 0 not_applicable, 0 errors (0 total)'
   */
  line(): string {
    return `results: ${this.passed} passed, ${this.failed} failed, ${this.notApplicable} not_applicable, ${this.errors} errors (${this.total} total)`;
  }
}
