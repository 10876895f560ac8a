/**
 * Key material inside a hex/base64 layer: a long random-looking run in decoded bytes
 * (random bytes almost never contain one: each byte is in the alphabet with p = 1/4)
 * means text was encoded to hide it. The engine blocks it under hex (APIs do not carry
 * text as hex) and only warns under base64 (file uploads legitimately do).
 *
 * @example
 * encodedKeyMaterial(decodedText, runs, 'hex') // [[start, end], ...]
 */
import { charClassCount, shannonEntropy } from './validators/entropy.js';

export function encodedKeyMaterial(text: string, runs: readonly number[], kind: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  if (kind !== 'hex' && kind !== 'base64' && kind !== 'base64url') return out;
  for (let r = 0; r < runs.length; r += 2) {
    const s = runs[r] as number;
    const e = runs[r + 1] as number;
    if (e - s < 32 || e - s > 512) continue;
    const run = text.slice(s, e);
    if (charClassCount(run) >= 3 && shannonEntropy(run) >= 4.2) out.push([s, e]);
  }
  return out;
}
