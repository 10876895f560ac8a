/**
 * Reading single-valued headers the way the MCP and A2A steps need them: the first
 * value, '' when absent; and whether a content type is JSON (`application/json` or any
 * `+json` type).
 *
 * @example
 * headerText(req.headers['content-type'])   // 'application/json; charset=utf-8'
 * isJsonType('application/vnd.api+json')    // true
 */
export function headerText(v: string | string[] | undefined): string {
  return (Array.isArray(v) ? v[0] : v) ?? '';
}

/** @example isJsonType('text/plain') // false */
export function isJsonType(lowerCaseType: string): boolean {
  return JSON_TYPE.test(lowerCaseType);
}

const JSON_TYPE = /^application\/(?:[\w.+-]*\+)?json\b/;
