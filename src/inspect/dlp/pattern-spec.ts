/**
 * The data shape of a DLP pattern. Patterns are data: an id, the literals that must
 * occur near a match (the prefilter's keywords), a linear-time regex, an optional
 * validator (checksums), and the default action.
 *
 * @example
 * const p: PatternSpec = {
 *   id: 'npm_token', description: 'npm access token', keywords: ['npm_'],
 *   regex: /(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])/, action: 'block',
 * };
 */
import type { FindingAction } from '../finding.js';

/** A run of one character class that can trigger a keyword-less pattern. */
export interface RunTrigger {
  /** 'alnum': [A-Za-z0-9]; 'hex': [0-9A-Fa-f]; 'digits': digits with single space/dash separators. */
  run: 'alnum' | 'hex' | 'digits';
  /** Inclusive length bounds of the run (digits: count of digits). */
  min: number;
  max: number;
}

export interface PatternSpec {
  /** Stable id; becomes Finding.type. snake_case. */
  id: string;
  description: string;
  /** Lower-case literals; at least one occurs within `before`/`maxLength` of every match. */
  keywords: string[];
  /** For patterns with no literal (card numbers, addresses): the run that must be present. */
  trigger?: RunTrigger;
  /**
   * Linear-time regex: no nested quantifiers, bounded repeats, no backreferences.
   * Group 1, when present, is the sensitive value (used for redaction and validation).
   */
  regex: RegExp;
  /** False rejects the match (bad checksum, placeholder value). */
  validate?: (m: RegExpExecArray) => boolean;
  /** When set, a match that fails validation is reported as `<id>_unverified` with this action. */
  invalidAction?: FindingAction;
  /** The `<id>_unverified` finding's detail (default: 'format matches but the checksum does not'). */
  invalidDetail?: string;
  action: FindingAction;
  /** Longest possible match; bounds the regex window after a keyword. Default 256. */
  maxLength?: number;
  /**
   * How far before a keyword a match may start. 0 (the default) means the match starts
   * exactly at a keyword occurrence: the regex is then tried once, sticky, at each hit.
   * Context patterns (keyword inside the match) set it and run on a bounded window.
   */
  before?: number;
  /** Capture group holding the sensitive value (default 1, whole match when absent). */
  valueGroup?: number;
  /** Generic (assignment/entropy) patterns yield to a specific pattern on the same span. */
  generic?: boolean;
}

/** The value a pattern matched: its value group when the regex has one, else the whole match. */
export function matchedValue(m: RegExpExecArray, group = 1): string {
  return m[group] ?? m[0];
}
