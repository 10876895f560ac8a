/**
 * Obviously fake, format-valid credential shapes for tests, built here from a seeded
 * generator (never real secrets), and a canary check that findings do not leak them.
 */
import assert from 'node:assert/strict';
import { githubChecksum } from '../../../src/inspect/dlp/validators/github-crc32.js';
import type { Finding } from '../../../src/inspect/finding.js';

export const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const HEX = '0123456789abcdef';
export const B64 = ALNUM + '+/';
export const URLSAFE = ALNUM + '-_';

let seed = 12345;
/** Deterministic pseudo-random string of `n` chars from `alphabet`. */
export function fk(n: number, alphabet = ALNUM): string {
  let out = '';
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    out += alphabet[(seed >>> 8) % alphabet.length];
  }
  return out;
}

/** A fake GitHub classic token with a correct CRC-32 checksum. */
export function fakeGithubToken(prefix = 'ghp'): string {
  const body = `FAKE${fk(26)}`;
  return `${prefix}_${body}${githubChecksum(body)}`;
}

/** A fake HS256-shaped JWT. */
export function fakeJwt(): string {
  const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc({ sub: 'fake-user', iat: 1700000000 })}.${fk(43, URLSAFE)}`;
}

/** Fails when any 8-character piece of `value` appears in the serialised findings. */
export function assertNoLeak(findings: readonly Finding[], value: string, label = ''): void {
  const json = JSON.stringify(findings);
  for (let i = 0; i + 8 <= value.length; i++) {
    const piece = value.slice(i, i + 8);
    assert.ok(!json.includes(piece), `${label}: finding leaks part of the value (${JSON.stringify(json)})`);
  }
}
