/**
 * A unified line diff of two texts (config versions), by the longest common
 * subsequence. Quadratic in the lines compared, so it is bounded: texts past
 * MAX_LINES after trimming the common head and tail answer a whole replacement.
 *
 * @example
 * lineDiff('a\nb\n', 'a\nc\n'); // '@@ -2,1 +2,1 @@\n-b\n+c\n'
 */
const MAX_LINES = 4000;

export function lineDiff(before: string, after: string): string {
  const a = before.split('\n');
  const b = after.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const x = a.slice(head, a.length - tail);
  const y = b.slice(head, b.length - tail);
  if (x.length === 0 && y.length === 0) return '';
  const ops: string[] = x.length * y.length > (MAX_LINES * MAX_LINES) / 4 ? [...x.map((l) => `-${l}`), ...y.map((l) => `+${l}`)] : lcsOps(x, y);
  return `@@ -${head + 1},${x.length} +${head + 1},${y.length} @@\n${ops.join('\n')}\n`;
}

function lcsOps(x: readonly string[], y: readonly string[]): string[] {
  const n = x.length;
  const m = y.length;
  // len[i][j]: LCS of x[i..] and y[j..], one flat array.
  const len = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      len[i * (m + 1) + j] = x[i] === y[j] ? len[(i + 1) * (m + 1) + j + 1]! + 1 : Math.max(len[(i + 1) * (m + 1) + j]!, len[i * (m + 1) + j + 1]!);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) {
      out.push(` ${x[i]!}`);
      i++;
      j++;
    } else if (len[(i + 1) * (m + 1) + j]! >= len[i * (m + 1) + j + 1]!) out.push(`-${x[i++]!}`);
    else out.push(`+${y[j++]!}`);
  }
  while (i < n) out.push(`-${x[i++]!}`);
  while (j < m) out.push(`+${y[j++]!}`);
  return out;
}
