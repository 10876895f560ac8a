/**
 * The aws_sigv4 form on its own: config and explain; the agent's placeholder signature
 * (made here with aws4, as a client would) replaced by one that aws4 verifies with the
 * stored key; each payload mode; each refusal with its reason; the key buffer wiped.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import aws4 from 'aws4';
import { parseConfig } from '../../../src/config/load.js';
import { scanningKeyIdOnly } from '../../../src/credentials/aws/agent-signature.js';
import { awsSigv4Form } from '../../../src/credentials/forms/aws-sigv4.js';
import type { AwsSigv4Credential } from '../../../src/credentials/forms/aws-sigv4.js';
import { checkCredential } from '../../../src/credentials/forms/index.js';
import type { RequestView } from '../../../src/credentials/inject-placeholder.js';
import { checkSignature } from '../../helpers/aws-server.js';
import { compiledFromYaml, credentialProblems, resolverOf } from './helpers.js';

const ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const KEYS = new Map([[ID, { secretAccessKey: SECRET }]]);
const spec: AwsSigv4Credential = { type: 'aws_sigv4', secret: 'aws' };
const HOST = 'bucket.s3.us-east-1.amazonaws.com';

/** A request signed by a client holding the placeholders, as the gate receives it (lower-case headers). */
function agentRequest(
  method: string,
  path: string,
  body: string | undefined,
  headers: Record<string, string> = {},
  service = 's3',
): RequestView & { method: string } {
  const opts = { host: HOST, method, path, service, region: 'us-east-1', headers: { ...headers }, ...(body === undefined ? {} : { body }) };
  aws4.sign(opts, { accessKeyId: 'SLUICE-PLACEHOLDER-KEY-ID', secretAccessKey: 'sluice-placeholder-secret-key' });
  const lower = Object.fromEntries(Object.entries(opts.headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
  return { method, headers: lower, path, ...(body === undefined ? {} : { body: toStream(Buffer.from(body)) }) };
}

function toStream(...parts: Buffer[]): AsyncIterable<Buffer> {
  return Readable.from(parts) as AsyncIterable<Buffer>;
}

async function drain(body: AsyncIterable<Buffer> | undefined): Promise<Buffer> {
  const out: Buffer[] = [];
  if (body) for await (const c of body) out.push(c);
  return Buffer.concat(out);
}

/** Inject, then check what would leave with aws4 and the real key. */
async function signedAndChecked(
  view: RequestView & { method: string },
  s: AwsSigv4Credential = spec,
  maxBodyBytes?: number,
): Promise<{ ok: boolean | null; body: Buffer }> {
  const deps = { ...resolverOf({ aws: `${ID}:${SECRET}` }), method: view.method, maxBodyBytes };
  await awsSigv4Form.inject(view, s, deps);
  assert.ok(
    deps.handedOut.every((b) => b.every((x) => x === 0)),
    'the stored value is wiped',
  );
  const body = await drain(view.body);
  return { ok: checkSignature({ method: view.method, url: view.path, headers: view.headers, body }, KEYS), body };
}

void test('aws_sigv4 config: every key optional; role ARN and endpoint checked; AssumeRole keys only with role_arn', () => {
  assert.deepEqual(compiledFromYaml('{ secret: aws, aws_sigv4: {} }'), spec);
  assert.deepEqual(
    compiledFromYaml('{ secret: aws, aws_sigv4: { service: s3, region: eu-west-1, role_arn: "arn:aws:iam::123456789012:role/x", session_duration: 1h } }'),
    { ...spec, service: 's3', region: 'eu-west-1', roleArn: 'arn:aws:iam::123456789012:role/x', durationSeconds: 3600 },
  );
  assert.match(credentialProblems('{ secret: aws, aws_sigv4: { role_arn: "arn:aws:iam::1:role/x" } }')[0] ?? '', /not a role ARN/);
  assert.deepEqual(credentialProblems('{ secret: aws, aws_sigv4: { sts_endpoint: "https://sts.example" } }'), [
    "rules[0].credential.aws_sigv4.sts_endpoint: 'sts_endpoint' goes with role_arn (AssumeRole); add role_arn or remove it",
  ]);
  assert.deepEqual(credentialProblems('{ secret: aws, aws_sigv4: { role_arn: "arn:aws:iam::123456789012:role/x", session_duration: 5m } }'), [
    'rules[0].credential.aws_sigv4.session_duration: AssumeRole sessions last 15m to 12h',
  ]);
  assert.match(checkCredential({ ...spec, roleArn: 'arn:aws:iam::123456789012:role/x', durationSeconds: 60 }) ?? '', /durationSeconds/);
});

void test("the README's AWS example loads as written", async () => {
  const readme = await readFile(new URL('../../../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('#### AWS (Signature Version 4)'));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(yaml !== undefined);
  const loaded = parseConfig(`version: 1\n${yaml}`, '/etc/sluice/sluice.yaml');
  assert.deepEqual(
    loaded.config.rules.map((r) => r.credential?.aws_sigv4?.role_arn ?? r.credential?.aws_sigv4?.service ?? '-'),
    ['-', 'sts', 'arn:aws:iam::123456789012:role/agent-s3'],
  );
});

void test('aws_sigv4 explain names the secret, service, region and role, never a value', () => {
  assert.equal(
    awsSigv4Form.explain(spec),
    "secret aws signs the request with AWS SigV4 (service from the client's signature, region from the client's signature)",
  );
  const role = { ...spec, service: 's3', region: 'us-east-1', roleArn: 'arn:aws:iam::123456789012:role/x', durationSeconds: 900 };
  assert.equal(
    awsSigv4Form.explain(role),
    'secret aws signs the request with AWS SigV4 (service s3, region us-east-1); temporary keys per session from STS AssumeRole of arn:aws:iam::123456789012:role/x (900s)',
  );
});

void test('the placeholder signature is replaced by one aws4 verifies with the stored key; the agent-signed headers stay signed', async () => {
  const view = agentRequest('PUT', '/photos/a%20b.txt?x-id=PutObject', 'hello', { 'Content-Type': 'text/plain', 'X-Amz-Meta-Note': 'n' });
  const before = String(view.headers.authorization);
  const { ok, body } = await signedAndChecked(view);
  assert.equal(ok, true);
  assert.equal(body.toString(), 'hello');
  assert.notEqual(view.headers.authorization, before);
  assert.match(
    String(view.headers.authorization),
    new RegExp(`^AWS4-HMAC-SHA256 Credential=${ID}/\\d{8}/us-east-1/s3/aws4_request, SignedHeaders=.*x-amz-meta-note`),
  );
  // A header added after the agent signed (the gate's Via) is not signed, so a later hop may change it.
  const via = agentRequest('GET', '/k', undefined);
  via.headers.via = '1.1 sluice';
  assert.equal((await signedAndChecked(via)).ok, true);
  assert.doesNotMatch(String(via.headers.authorization), /via/);
});

void test('the check is real: a changed path, or the wrong key, fails verification', async () => {
  const view = agentRequest('GET', '/k', undefined);
  await signedAndChecked(view);
  assert.equal(checkSignature({ method: 'GET', url: '/other', headers: view.headers, body: Buffer.alloc(0) }, KEYS), false);
  assert.equal(
    checkSignature({ method: 'GET', url: '/k', headers: view.headers, body: Buffer.alloc(0) }, new Map([[ID, { secretAccessKey: 'wrong' }]])),
    false,
  );
});

void test('payload: a body without a declared hash (STS) is hashed by the gate; service and region from config sign an unsigned request', async () => {
  const sts = agentRequest('POST', '/', 'Action=GetCallerIdentity&Version=2011-06-15', {}, 'sts');
  assert.equal((await signedAndChecked(sts)).ok, true);
  assert.equal(sts.headers['x-amz-content-sha256'], undefined, 'not sent when the client sent none (and not S3)');
  const bare = (): RequestView & { method: string } => ({
    method: 'POST',
    headers: { host: HOST, 'content-type': 'application/x-www-form-urlencoded' },
    path: '/',
    body: toStream(Buffer.from('Action=X')),
  });
  assert.equal((await signedAndChecked(bare(), { ...spec, service: 'sts', region: 'us-east-1' })).ok, true);
  await assert.rejects(signedAndChecked(bare()), /sent no SigV4 signature to take the region and service from/);
});

void test('payload: a declared hash that is not the body is refused; over the window it streams, checked, and a mismatch fails the stream', async () => {
  const lie = agentRequest('PUT', '/k', 'real body');
  lie.headers['x-amz-content-sha256'] = createHash('sha256').update('other').digest('hex');
  await assert.rejects(
    signedAndChecked(lie),
    (e: Error & { reason?: string }) => e.reason === 'request_not_signable' && /does not match the body/.test(e.message),
  );

  const big = 'x'.repeat(5000);
  const streamed = agentRequest('PUT', '/k', big);
  streamed.body = toStream(Buffer.from(big.slice(0, 3000)), Buffer.from(big.slice(3000)));
  const r = await signedAndChecked(streamed, spec, 1024);
  assert.equal(r.ok, true);
  assert.equal(r.body.toString(), big);

  const wrong = agentRequest('PUT', '/k', big);
  wrong.body = toStream(Buffer.from(big.slice(0, 3000)), Buffer.from('y'.repeat(2000)));
  await assert.rejects(signedAndChecked(wrong, spec, 1024), /does not match the body/);

  const sts = agentRequest('POST', '/', big, {}, 'sts');
  await assert.rejects(signedAndChecked(sts, spec, 1024), /over 1024 bytes and the client declared no x-amz-content-sha256/);
});

void test('payload: UNSIGNED-PAYLOAD and STREAMING-UNSIGNED-PAYLOAD-TRAILER pass as they are; signed chunks and presigned URLs are refused with the reason', async () => {
  for (const mode of ['UNSIGNED-PAYLOAD', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER']) {
    const view = agentRequest('PUT', '/k', undefined, { 'X-Amz-Content-Sha256': mode });
    view.body = toStream(Buffer.from('streamed'));
    const r = await signedAndChecked(view);
    assert.equal(r.ok, true, mode);
    assert.equal(view.headers['x-amz-content-sha256'], mode);
  }
  const chunks = agentRequest('PUT', '/k', undefined, { 'X-Amz-Content-Sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' });
  chunks.body = toStream(Buffer.from('5;chunk-signature=00\r\nhello\r\n'));
  await assert.rejects(signedAndChecked(chunks), /does not re-sign chunks; let the SDK send UNSIGNED-PAYLOAD/);
  const presigned: RequestView & { method: string } = {
    method: 'GET',
    headers: { host: HOST },
    path: '/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=X%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=00',
  };
  await assert.rejects(signedAndChecked(presigned), (e: Error & { reason?: string }) => e.reason === 'request_not_signable' && /presigned URL/.test(e.message));
});

void test('a stored value that is not a key pair is refused naming the reference, never the value', async () => {
  const deps = { ...resolverOf({ aws: 'not-a-key-pair-secret-value' }), method: 'GET' };
  await assert.rejects(Promise.resolve(awsSigv4Form.inject(agentRequest('GET', '/k', undefined), spec, deps)), (e: Error) => {
    assert.match(e.message, /secret 'aws' is not an AWS key/);
    assert.doesNotMatch(e.message, /not-a-key-pair/);
    return true;
  });
});

void test('DLP sees an exact SigV4 Authorization header as its key id alone; any other shape whole', () => {
  const sig = 'a'.repeat(64);
  const seen: string[] = [];
  const scan = (h: RequestView['headers']) => () => void seen.push(String(h.authorization));
  const exact = { authorization: `AWS4-HMAC-SHA256 Credential=SLUICE-KEY/20260101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=${sig}` };
  scanningKeyIdOnly(exact, scan(exact));
  const extra = { authorization: `${exact.authorization} token=abc` };
  scanningKeyIdOnly(extra, scan(extra));
  assert.deepEqual(seen, ['SLUICE-KEY', extra.authorization]);
  assert.match(exact.authorization, /^AWS4-HMAC-SHA256 Credential=SLUICE-KEY\//, 'put back after the scan');
});
