/**
 * Benign traffic an agent really sends must not be blocked: API URLs with UUIDs and
 * hashes, base64 images in JSON, git SHAs, package-lock integrity hashes, docs that
 * talk about tokens, LLM request bodies, public JWT-looking fragments.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { DlpScanner } from '../../../src/inspect/dlp/index.js';
import type { Finding } from '../../../src/inspect/finding.js';

const dlp = new DlpScanner();
const blocks = (f: Finding[]): Finding[] => f.filter((x) => x.action === 'block');

const URLS = [
  '/repos/golang/go/issues?state=open&page=2&per_page=30&sort=updated',
  '/resources/550e8400-e29b-41d4-a716-446655440000/details',
  '/repos/nodejs/node/commits/4f1c0b2e9d8a7c6b5a4f3e2d1c0b9a8f7e6d5c4b',
  '/npm/lodash/-/lodash-4.17.21.tgz',
  '/ajax/libs/lodash.js/4.17.21/lodash.min.js',
  '/search?q=how+to+fix+%22permission+denied%22+error+in+golang+test&hl=en&num=10',
  '/v1/files/sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  '/security?content=%E3%83%91%E3%82%B9%E3%83%AF%E3%83%BC%E3%83%89%E3%81%AE%E3%82%BB%E3%82%AD%E3%83%A5%E3%83%AA%E3%83%86%E3%82%A3',
  '/api/v2/orders?created_after=2026-03-10T09:00:00Z&limit=100&cursor=eyJpZCI6MTIzNH0',
  '/wiki/Special:Search?search=credit+card+number+format&go=Go',
  '/oauth/authorize?response_type=code&client_id=my-app&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&state=af0ifjsldkj',
  '/maps/api/place?location=-33.8670522,151.1957362&radius=500',
  '/v1/charges?amount=2000&currency=usd&description=Order%20%2312345678901',
];

test('normal API URLs produce no block finding', () => {
  for (const u of URLS) assert.deepEqual(blocks(dlp.scanUrl(u)), [], u);
});

test('normal request headers produce no block finding', () => {
  assert.deepEqual(
    blocks(
      dlp.scanHeaders({
        'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
        Accept: 'application/json, text/plain, */*',
        'Accept-Language': 'en-US,en;q=0.9',
        'X-Request-Id': 'a3f8b2c1-4e5d-6f7a-8b9c-0d1e2f3a4b5c',
        'If-None-Match': 'W/"5e3b-1c2d3e4f5a6b7c8d9e0f"',
        Cookie: 'session_id=abc123def456; theme=dark; _ga=GA1.2.1234567890.1234567890',
        Authorization: 'Bearer mF_9.B5f-4.1JqM',
        'Content-Type': 'application/json',
        'X-GitHub-Api-Version': '2022-11-28',
      }),
    ),
    [],
  );
});

function scanBody(ct: string, text: string): Finding[] {
  const b = dlp.bodyScanner(ct);
  return [...b.push(Buffer.from(text)), ...b.end()];
}

test('JSON bodies: base64 images, package-lock integrity, git SHAs, UUIDs, LLM requests', () => {
  const lock = JSON.stringify({
    packages: Object.fromEntries(
      Array.from({ length: 50 }, (_, i) => [
        `node_modules/p${i}`,
        { version: '1.0.0', resolved: `https://registry.npmjs.org/p${i}/-/p${i}-1.0.0.tgz`, integrity: `sha512-${randomBytes(64).toString('base64')}` },
      ]),
    ),
  });
  const image = JSON.stringify({ image: `data:image/png;base64,${randomBytes(30000).toString('base64')}`, alt: 'chart' });
  const llm = JSON.stringify({
    model: 'claude-sonnet',
    max_tokens: 1024,
    messages: [{ role: 'user', content: 'Summarise the open issues about token refresh and API key rotation.' }],
    stop_sequences: ['\n\nHuman:'],
  });
  const commits = JSON.stringify(
    Array.from({ length: 40 }, () => ({ sha: randomBytes(20).toString('hex'), id: crypto.randomUUID(), tree: { sha: randomBytes(20).toString('hex') } })),
  );
  const gh = JSON.stringify({
    message: 'add file',
    content: Buffer.from('export const x = 1;\n// see https://example.com/docs\n').toString('base64'),
    sha: randomBytes(20).toString('hex'),
  });
  const tokenDocs = JSON.stringify({
    error: 'authentication_failed',
    message: 'The access token has expired. Please refresh your token using the /auth/refresh endpoint.',
    code: 401,
  });
  const pagination = JSON.stringify({ items: [], nextPageToken: 'CiAKGjBpNDd2Nmp2Zml2cXRwYjBpOXA5cTQ2M2JoEAE', page_token: 'AKjJ8KyX2Rm9' });
  for (const [name, body] of Object.entries({ lock, image, llm, commits, gh, tokenDocs, pagination })) {
    assert.deepEqual(blocks(scanBody('application/json', body)), [], name);
  }
});

test('docs and code that mention secrets without containing any', () => {
  const docs = [
    'Set the API_KEY environment variable: api_key = os.environ.get("API_KEY")',
    'password: ${DB_PASSWORD}\nsecret: <your-secret-here>\ntoken: {{ .Values.token }}',
    'The header looks like `Authorization: Bearer <token>`; JWTs start with eyJ.',
    'A JWT has three parts: header.payload.signature, e.g. eyJhbGciOi... (truncated)',
    'export const password_policy = { minLength: 12 }; const tokenCount = 4096;',
    '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUZfakeFAKEfakeFAKEfake\n-----END CERTIFICATE-----',
    'git log: commit 4f1c0b2e9d8a7c6b5a4f3e2d1c0b9a8f7e6d5c4b Author: Dev',
    'Order #1234 5678 9012 3456 shipped; tracking 1Z999AA10123456784; phone +1 415 555 0100',
    'uuid 550e8400-e29b-41d4-a716-446655440000 and build 20260310.1234567890',
    '<div class="sk-fading-circle"><div class="sk-circle12"></div></div> lang="sk-SK"',
    'OPENAI_API_KEY=sk-... (set yours); sk-test-key-for-local-development-only; sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
  ];
  for (const d of docs) assert.deepEqual(blocks(dlp.scanText(d, 'body')), [], d);
});

test('form and multipart bodies of ordinary uploads', () => {
  assert.deepEqual(blocks(scanBody('application/x-www-form-urlencoded', 'q=golang+http+proxy+tutorial&category=programming&sort=relevance')), []);
  const mp = `--XX\r\nContent-Disposition: form-data; name="file"; filename="photo.png"\r\nContent-Type: image/png\r\n\r\n${randomBytes(20000).toString('latin1')}\r\n--XX--`;
  assert.deepEqual(blocks(scanBody('multipart/form-data; boundary=XX', mp)), []);
});
