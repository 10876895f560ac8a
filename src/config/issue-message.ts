/**
 * Plain-words messages for zod's built-in checks, used as the per-parse error
 * map. Fields with their own wording (durations, listen, ...) set it on the
 * schema, which takes precedence over this map.
 */
import type * as z from 'zod';
import { describeValue } from './describe-value.js';

const EXPECTED_WORDS: Readonly<Record<string, string>> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a map of key: value pairs',
  record: 'a map of key: value pairs',
  array: 'a list',
};

/**
 * @example
 * configSchema.safeParse(data, { error: plainIssueMessage });
 */
export const plainIssueMessage: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type': {
      const want = EXPECTED_WORDS[issue.expected] ?? issue.expected;
      if (issue.input === undefined) return `missing: this key is required (${want})`;
      const quote =
        issue.expected === 'string' && (typeof issue.input === 'number' || typeof issue.input === 'boolean')
          ? `; put it in quotes if you mean the text '${String(issue.input)}'`
          : '';
      return `expected ${want}; got ${describeValue(issue.input)}${quote}`;
    }
    case 'invalid_value': {
      const values = issue.values.map((v) => (typeof v === 'string' ? v : String(v)));
      const want = values.length === 1 ? String(values[0]) : `one of ${values.join(', ')}`;
      if (issue.input === undefined) return `missing: this key is required (${want})`;
      return `expected ${want}; got ${describeValue(issue.input)}`;
    }
    case 'too_small':
      if (issue.origin === 'array') return `expected at least ${String(issue.minimum)} item(s)`;
      if (issue.origin === 'string') return 'must not be empty';
      return `expected ${issue.inclusive === true ? 'at least' : 'more than'} ${String(issue.minimum)}; got ${describeValue(issue.input)}`;
    case 'too_big':
      if (issue.origin === 'array') return `expected at most ${String(issue.maximum)} item(s)`;
      return `expected ${issue.inclusive === true ? 'at most' : 'less than'} ${String(issue.maximum)}; got ${describeValue(issue.input)}`;
    default:
      return undefined;
  }
};
