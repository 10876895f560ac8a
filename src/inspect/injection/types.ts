/**
 * Shared types of the prompt-injection scanner. `Finding` mirrors
 * `src/inspect/finding.ts` field for field, so a finding from here is assignable
 * to the inspection-wide type whichever of the two a caller imports.
 *
 * @example
 * const f: InjectionFinding = withExcerpt({
 *   type: 'prompt_injection:instruction_override', location: 'response.body', action: 'block' as const,
 *   rule: 'override-ignore-previous', category: 'instruction_override' as const,
 * }, 'ignore all previous instructions');
 * JSON.stringify(f); // no "excerpt": it is not serialised
 */

/** One thing an inspector found. Identical to the inspection-wide `Finding`. */
export interface Finding {
  type: string;
  location: string;
  action: 'block' | 'redact' | 'warn';
  encoding?: string;
  detail?: string;
}

/** What a prompt-injection pattern is about; the finding type is `prompt_injection:<category>`. */
export type InjectionCategory =
  | 'instruction_override'
  | 'role_spoofing'
  | 'prompt_extraction'
  | 'tool_coercion'
  | 'credential_solicitation'
  | 'exfiltration'
  | 'hidden_text'
  | 'tool_poisoning'
  | 'not_scanned';

/**
 * Where a pattern applies. `all`: every text. `strict`: tool descriptions, agent
 * cards, and hidden channels (HTML comments, base64 blobs, Unicode tag
 * characters), where nothing legitimate hides instructions.
 */
export type PatternScope = 'all' | 'strict';

/** A pattern as data. */
export interface InjectionPattern {
  /** Stable id, reported in findings and accepted by `disabled`. */
  id: string;
  category: InjectionCategory;
  scope: PatternScope;
  /**
   * Lower-case literals; the regex runs only when one occurs in the normalised
   * text, and every match contains at least one of them.
   */
  keywords: readonly string[];
  /**
   * Regex source over normalised text (lower case, whitespace collapsed to one
   * space or newline). A literal space stands for one whitespace character.
   * Linear-time safe: no nested or unbounded quantifiers over overlapping classes.
   */
  pattern: string;
  /** One line a person reads in `explain` output. */
  description: string;
  /**
   * `weak`: a context marker that ordinary documents also carry (a `[system]`
   * section, chat-template tokens, "System notice:", "call the search tool").
   * Alone in visible text it warns; it blocks when hidden, in a tool description,
   * or next to a strong signal (see scan-segments.ts). Default: strong.
   */
  weight?: 'weak';
  /**
   * Regex sources that must each also occur in the sentence around a match (up to
   * 250 characters before it and 60 after), for co-occurrence patterns such as the
   * intents (intents.ts). Same conventions as `pattern`.
   */
  requires?: readonly string[];
}

/** A finding from this scanner, with the rule and the normalised text it matched. */
export interface InjectionFinding extends Finding {
  /** The pattern id (or `hidden-*` / `not-scanned` for synthesised findings). */
  rule: string;
  category: InjectionCategory;
  /**
   * The matched normalised text, at most 160 characters, for `stripInjections`.
   * Non-enumerable: spreading or JSON-serialising a finding (the audit record)
   * leaves it out, since inbound text can carry a reflected secret.
   */
  readonly excerpt: string;
  /** Why the text was hidden (`html-comment`, `display:none`, ...), when it was. */
  hidden?: string;
}

/** A run of extracted text and how it reached the reader. */
export interface TextSegment {
  text: string;
  /** Set when the text is invisible to a human reader (comment, display:none, ...). */
  hidden?: string;
}

/** Attach `excerpt` as a non-enumerable property (see InjectionFinding.excerpt). */
export function withExcerpt<T extends object>(finding: T, excerpt: string): T & { readonly excerpt: string } {
  return Object.defineProperty(finding, 'excerpt', { value: excerpt, enumerable: false, writable: false }) as T & { readonly excerpt: string };
}
