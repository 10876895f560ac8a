/**
 * How a config value is named in an error message. People read "got a list"
 * faster than a JSON dump, and a long value should not swamp the message.
 *
 * @example
 * describeValue('30x');      // "'30x'"
 * describeValue([1, 2]);     // 'a list'
 * describeValue(null);       // 'an empty value'
 */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'an empty value';
  if (typeof v === 'string') return v.length > 60 ? `'${v.slice(0, 57)}...'` : `'${v}'`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  return typeof v;
}
