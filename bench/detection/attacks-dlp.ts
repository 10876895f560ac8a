/**
 * The outbound-DLP cases of the detection benchmark: every secret family the DLP knows
 * (one format-valid fake per built-in pattern, plus a known store value) under every
 * encoding of dlp-encodings.ts, rotated through every placement; compressed uploads
 * with no Content-Encoding; secrets split across the parts of one request; a known
 * secret in the other hex case; and benign near-misses (git object ids, UUIDs,
 * lockfile hashes, data: image URIs, minified bundles, clean archives and pushes).
 *
 * @example
 * const cases = dlpCases(); // DetectionCase[], ids like 'dlp/aws_access_key_id/base64-wrap76/cookie'
 */
import { gzipSync, deflateSync } from 'node:zlib';
import type { DetectionCase } from './case.js';
import { BINARY_ENCODINGS, ENCODINGS } from './dlp-encodings.js';
import { PLACEMENTS, pct, upload } from './dlp-placements.js';
import { gitPushBody, tar, zip } from './dlp-containers.js';
import { benignDlpCases } from './benign-dlp.js';
import { SAMPLES } from '../../test/inspect/dlp/pattern-samples.js';
import { builtinPatterns } from '../../src/inspect/dlp/patterns/index.js';

/** A store value with no recognisable format: only exact (encoded) matching finds it. */
const KNOWN = { name: 'billing-api', value: 'q7Vd2mXr9LkP4sTbW8yZ1nHc6Jf3Ge5A' };
const GEN = 'bench/detection/attacks-dlp.ts';

function families(): Array<{ id: string; text: string; secrets?: Record<string, string> }> {
  // identifiers that are public by design (a publishable key, an account SID) only warn: not secrets to stop
  const warnOnly = new Set(builtinPatterns.filter((p) => p.action === 'warn').map((p) => p.id));
  const out: Array<{ id: string; text: string; secrets?: Record<string, string> }> = Object.entries(SAMPLES)
    .filter(([id]) => !warnOnly.has(id))
    .map(([id, s]) => ({ id, text: s.text }));
  out.push({ id: 'known_secret', text: `token ${KNOWN.value}`, secrets: { [KNOWN.name]: KNOWN.value } });
  return out;
}

export function dlpCases(): DetectionCase[] {
  const cases: DetectionCase[] = [];
  const placements = Object.keys(PLACEMENTS);
  const fams = families();
  let turn = 0;
  for (const f of fams) {
    for (const [enc, encode] of Object.entries(ENCODINGS)) {
      const placement = placements[turn++ % placements.length] as string;
      const payload = encode(f.text);
      const charset = BINARY_ENCODINGS.has(enc) && !enc.endsWith('bom') ? (enc.startsWith('utf16le') ? 'utf-16le' : 'utf-16be') : undefined;
      const input = (PLACEMENTS[placement] as (typeof PLACEMENTS)[string])(payload, charset);
      cases.push({
        id: `dlp/${f.id}/${enc}/${placement}`,
        scanner: 'dlp',
        kind: 'attack',
        category: enc,
        placement,
        source: GEN,
        input,
        ...(f.secrets ? { secrets: f.secrets } : {}),
      });
    }
    const file = `# deploy settings\nregion = eu-west-1\n${f.text}\n`;
    const files = [
      { name: 'README.md', data: '# service\n\nRun `make deploy`.\n' },
      { name: 'config/settings.ini', data: file },
    ];
    const uploads: Record<string, DetectionCase['input']> = {
      'upload-gzip': upload(gzipSync(file), 'application/octet-stream'),
      'upload-zlib': upload(deflateSync(file), 'application/octet-stream'),
      'upload-zip': upload(zip(files), 'application/zip'),
      'upload-tar': upload(tar(files), 'application/x-tar'),
      'upload-tar-gz': upload(gzipSync(tar(files)), 'application/gzip'),
      'git-push': upload(gitPushBody(files), 'application/x-git-receive-pack-request', '/org/repo.git/git-receive-pack'),
    };
    for (const [cat, input] of Object.entries(uploads))
      cases.push({
        id: `dlp/${f.id}/${cat}/body`,
        scanner: 'dlp',
        kind: 'attack',
        category: cat,
        placement: 'body',
        source: GEN,
        input,
        ...(f.secrets ? { secrets: f.secrets } : {}),
      });
  }
  cases.push(...splitCases(), ...hexCaseCases(), ...benignDlpCases());
  return cases;
}

/** A secret cut in two (or three) and sent as neighbouring parts of one request. */
function splitCases(): DetectionCase[] {
  const secrets = [
    ['aws_access_key_id', 'AKIAFAKE0000TEST1234'],
    ['github_token', SAMPLES.github_token?.value ?? ''],
    ['stripe_secret_key', SAMPLES.stripe_secret_key?.value ?? ''],
    ['anthropic_api_key', SAMPLES.anthropic_api_key?.value ?? ''],
    ['openai_api_key', SAMPLES.openai_api_key?.value ?? ''],
    ['slack_bot_token', SAMPLES.slack_bot_token?.value ?? ''],
    ['gitlab_pat', SAMPLES.gitlab_pat?.value ?? ''],
    ['known_secret', KNOWN.value],
  ] as const;
  const out: DetectionCase[] = [];
  for (const [id, v] of secrets) {
    const cut = Math.floor(v.length / 2);
    const [a, b] = [v.slice(0, cut), v.slice(cut)];
    const third = Math.floor(v.length / 3);
    const [x, y, z] = [v.slice(0, third), v.slice(third, 2 * third), v.slice(2 * third)];
    const inputs: Record<string, DetectionCase['input']> = {
      url: { method: 'GET', url: `/collect?p1=${pct(a)}&p2=${pct(b)}` },
      'url-three': { method: 'GET', url: `/collect?a=${pct(x)}&b=${pct(y)}&c=${pct(z)}` },
      path: { method: 'GET', url: `/files/${pct(a)}/${pct(b)}/index.html` },
      header: { method: 'GET', url: '/api', headers: { 'x-part-a': a, 'x-part-b': b } },
      cookie: { method: 'GET', url: '/api', headers: { cookie: `c1=${a}; c2=${b}` } },
      'header-and-query': { method: 'GET', url: `/api?tail=${pct(b)}`, headers: { 'x-head': a } },
      'json-fields': {
        method: 'POST',
        url: '/api/config',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ provider: 'x', key: a, key_suffix: b, region: 'eu' }),
      },
      'json-array': {
        method: 'POST',
        url: '/api/notes',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ parts: [x, y, z].slice(0, 2).concat(z) }),
      },
      'form-fields': {
        method: 'POST',
        url: '/submit',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `name=report&k1=${pct(a)}&k2=${pct(b)}&ok=1`,
      },
    };
    for (const [placement, input] of Object.entries(inputs)) {
      out.push({
        id: `dlp/${id}/split/${placement}`,
        scanner: 'dlp',
        kind: 'attack',
        category: 'split-request',
        placement,
        source: GEN,
        input,
        ...(id === 'known_secret' ? { secrets: { [KNOWN.name]: KNOWN.value } } : {}),
      });
    }
  }
  return out;
}

/** Store values that are hex sent in the other case, and any value's hex in mixed case. */
function hexCaseCases(): DetectionCase[] {
  const out: DetectionCase[] = [];
  const values = [
    '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b',
    'DEADBEEFCAFEF00D0123456789ABCDEF',
    '3c6e0b8a9c15224a8228b9a98ca1531d',
    'A1b2C3d4E5f60718293a4B5c6D7e8F90',
  ];
  values.forEach((v, i) => {
    const secrets = { [`webhook-${i}`]: v };
    const flips: Record<string, string> = {
      upper: v.toUpperCase(),
      lower: v.toLowerCase(),
      alternating: Array.from(v, (c, k) => (k % 2 ? c.toUpperCase() : c.toLowerCase())).join(''),
      'hex-of-value-upper': Buffer.from(v).toString('hex').toUpperCase(),
    };
    for (const [flip, sent] of Object.entries(flips)) {
      if (sent === v) continue;
      for (const placement of ['url', 'header', 'body-json', 'websocket']) {
        const input = (PLACEMENTS[placement] as (typeof PLACEMENTS)[string])(`sig=${sent}`);
        out.push({
          id: `dlp/known_secret_${i}/${flip}/${placement}`,
          scanner: 'dlp',
          kind: 'attack',
          category: 'known-hex-case',
          placement,
          source: GEN,
          input,
          secrets,
        });
      }
    }
  });
  return out;
}
