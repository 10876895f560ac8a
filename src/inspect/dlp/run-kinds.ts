/**
 * Deciding how to decode what the index found: which base64-alphabet runs are hex,
 * delimited hex, base64 or base64url (and which are just words or paths), and where
 * the percent-encoded spans are.
 *
 * @example
 * classifyRun('QUtJQUlPU0ZPRE5ON0VYQU1QTEU=') // 'base64'
 * classifyRun('/usr/local/lib/node_modules')  // undefined
 */

/** How a 16+ char run should be decoded, if at all. */
export function classifyRun(run: string): 'hex' | 'hex-delimited' | 'base64' | 'base64url' | undefined {
  if (/^[0-9A-Fa-f]+$/.test(run)) return 'hex';
  if (/^[0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){7,}$/.test(run)) return 'hex-delimited';
  const upper = /[A-Z]/.test(run) ? 1 : 0;
  const lower = /[a-z]/.test(run) ? 1 : 0;
  const digit = /[0-9]/.test(run) ? 1 : 0;
  // paths, identifiers and words are one or two classes; encoded bytes use all three
  if (upper + lower + digit < 2 || (upper === 0 && lower === 1)) return undefined;
  return /[-_]/.test(run) ? 'base64url' : 'base64';
}

/** Maximal spans around `%XX` escapes, split at characters that separate URL parts. */
export function percentRuns(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let i = text.indexOf('%');
  while (i >= 0) {
    let s = i;
    while (s > 0 && !isRunBreak(text.charCodeAt(s - 1))) s--;
    let e = i;
    while (e < text.length && !isRunBreak(text.charCodeAt(e))) e++;
    if (e > s) out.push([s, e]);
    i = text.indexOf('%', e + 1);
  }
  return out;
}

function isRunBreak(c: number): boolean {
  // whitespace, quotes, angle brackets, and the URL/form separators & = ? #
  return c <= 32 || c === 34 || c === 39 || c === 60 || c === 62 || c === 38 || c === 61 || c === 63 || c === 35;
}
