/**
 * What the agent received through the previous scrubber (fixed needle list, headers
 * one value at a time, a new scrubber per WebSocket message and control payload), for
 * the reflection cases: the "before" column of `npm run bench:scrub`.
 */
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import type { DetectionCase } from '../detection/case.js';
import { reflectionNeedles } from './legacy-needles.js';
import { ReflectionScrubber, scrubHeaders } from './legacy-scrubber.js';

export function legacyReceive(c: DetectionCase): Buffer[] {
  const needles = Object.values(c.secrets ?? {}).flatMap((s) => reflectionNeedles(Buffer.from(s)));
  const whole = (b: Buffer, replacement?: string): Buffer => {
    const s = new ReflectionScrubber(needles, replacement === undefined ? {} : { replacement });
    return Buffer.concat([s.push(b), s.end()]);
  };
  const parts: Buffer[] = [];
  const { headers, body, status, messages, frames } = c.input;
  if (status) parts.push(Buffer.from(scrubHeaders({ reason: status.reason }, needles).headers.reason, 'latin1'));
  if (headers) {
    const { 'content-encoding': ce, ...rest } = headers;
    const values = Object.values(scrubHeaders(rest, needles).headers).filter((v): v is string => typeof v === 'string');
    parts.push(...values.map((v) => Buffer.from(v, 'latin1')), Buffer.from(values.join(''), 'latin1'));
    if (body !== undefined) {
      const raw = Buffer.from(body);
      parts.push(whole(ce === 'gzip' ? gunzipSync(raw) : ce === 'deflate' ? inflateSync(raw) : ce === 'br' ? brotliDecompressSync(raw) : raw));
    }
  }
  const sent = [...(messages ?? []).map((m) => whole(Buffer.from(m))), ...(frames ?? []).map((f) => whole(Buffer.from(f.data), '[REDACTED]'))];
  if (sent.length > 0) parts.push(...sent, Buffer.concat(sent));
  return parts;
}
