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

/**
 * What a response's head says of its body, for the MCP and A2A inspectors: null when
 * there is none to read (HEAD, 204, 304); else its lower-case type and whether it is an
 * event stream or JSON.
 *
 * @example
 * responseBody('GET', 200, { 'content-type': 'text/event-stream' }); // { type: 'text/event-stream', sse: true, json: false }
 */
export function responseBody(
  method: string | undefined,
  status: number,
  headers: { 'content-type'?: string | string[] | undefined },
): { type: string; sse: boolean; json: boolean } | null {
  if ((method ?? 'GET') === 'HEAD' || status === 204 || status === 304) return null;
  const type = headerText(headers['content-type']).toLowerCase();
  return { type, sse: type.startsWith('text/event-stream'), json: isJsonType(type) };
}
