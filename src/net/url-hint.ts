/**
 * The host a mistaken URL would have meant, for error messages that ask for a host
 * (a config `hosts:` entry, a tool rule's `servers:`): ` (write 'api.example.com')`,
 * or '' when the text is not a URL with a host.
 *
 * @example
 * urlHint('https://api.example.com/v1') // " (write 'api.example.com')"
 * urlHint('api/v1')                     // ''
 */
export function urlHint(v: string): string {
  try {
    const host = new URL(v).hostname;
    return host ? ` (write '${host.replace(/^\[|\]$/g, '')}')` : '';
  } catch {
    return '';
  }
}
