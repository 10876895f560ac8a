/**
 * AWS SigV4 through the gate, end to end: the AWS SDK for JavaScript v3 runs as the
 * agent under `sluice run` (a child process; it holds only the placeholder keys
 * `sluice run` gives it) against a local S3/STS server that checks every signature
 * with aws4, an implementation independent of the gate's signer, over intercepted
 * HTTPS. The gate signs with the stored key, or with per-session AssumeRole keys.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { AWS_PLACEHOLDERS } from '../../src/launcher/agent-env.js';
import { initDir, logAuditOn, sluice, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { auditQuery, sessionOf } from '../helpers/cli-e2e.js';
import { startAwsServer, type AwsServer } from '../helpers/aws-server.js';
import { upstreamPki } from '../helpers/pki.js';

const AGENT = fileURLToPath(new URL('../helpers/aws-agent.js', import.meta.url));
const akid = (): string => `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
const REAL_ID = akid();
const REAL_SECRET = `canary${randomBytes(16).toString('base64url')}`;
const WRONG_ID = akid();
const WRONG_SECRET = `canary${randomBytes(16).toString('base64url')}`;
const S3 = 's3.us-east-1.amazonaws.com';
const S3_WRONG = 's3.eu-west-1.amazonaws.com';
const S3_ROLE = 's3.us-west-2.amazonaws.com';
const S3_DENIED = 's3.ap-south-1.amazonaws.com';
const S3_PRIVATE_STS = 's3.ca-central-1.amazonaws.com';
const STS = 'sts.us-east-1.amazonaws.com';
const ROLE = 'arn:aws:iam::123456789012:role/agent-s3';

interface Result {
  op: string;
  ok: boolean;
  status: number;
  code?: string;
  message?: string;
  body?: string;
  arn?: string;
  same?: boolean;
}

describe('aws_sigv4: the AWS SDK v3 under sluice run, signed by the gate', () => {
  let aws: AwsServer;
  let d: InitDir;
  let gate: CliGate;
  const outputs: string[] = [];

  before(async () => {
    const pki = await upstreamPki();
    aws = await startAwsServer([S3, S3_WRONG, S3_ROLE, S3_DENIED, S3_PRIVATE_STS, STS], { [REAL_ID]: { secretAccessKey: REAL_SECRET } });
    const hosts = [S3, S3_WRONG, S3_ROLE, S3_DENIED, S3_PRIVATE_STS, STS].map((h) => `    ${h}: 127.0.0.1`).join('\n');
    d = await initDir(`  - id: s3
    hosts: [${S3}]
    credential: { secret: aws_real, aws_sigv4: {} }
  - id: sts
    hosts: [${STS}]
    credential: { secret: aws_real, aws_sigv4: { service: sts, region: us-east-1 } }
  - id: s3-wrong-key
    hosts: [${S3_WRONG}]
    credential: { secret: aws_wrong, aws_sigv4: {} }
  - id: s3-role
    hosts: [${S3_ROLE}]
    credential:
      secret: aws_real
      aws_sigv4: { role_arn: "${ROLE}", sts_endpoint: "https://${STS}:${aws.port}", session_duration: 20m }
  - id: s3-role-denied
    hosts: [${S3_DENIED}]
    credential:
      secret: aws_real
      aws_sigv4: { role_arn: "arn:aws:iam::123456789012:role/denied", sts_endpoint: "https://${STS}:${aws.port}" }
  - id: s3-role-private-sts
    hosts: [${S3_PRIVATE_STS}]
    credential:
      secret: aws_real
      aws_sigv4: { role_arn: "${ROLE}", sts_endpoint: "https://127.0.0.9:${aws.port}" }
dns:
  hosts:
${hosts}
network:
  allow_private: [127.0.0.1/32]
tls:
  upstream_ca: ${pki.caFile}
`);
    await logAuditOn(d.configFile);
    for (const [name, value] of [
      ['aws_real', `${REAL_ID}:${REAL_SECRET}`],
      ['aws_wrong', `${WRONG_ID}:${WRONG_SECRET}`],
    ] as const) {
      const r = await sluice(['secret', 'set', name, '--config', d.configFile], { input: value });
      assert.equal(r.code, 0, r.stderr);
    }
    gate = await startCliGate(d.configFile);
  });
  after(async () => {
    await gate?.stop();
    await aws?.close();
  });

  /** The agent's operations under `sluice run`; its results, and the session it ran in. */
  async function agent(ops: Record<string, unknown>[], agentName = 'aws-bot'): Promise<{ results: Result[]; session: string }> {
    const r = await sluice(
      ['run', '--config', d.configFile, '--gate', gate.address, '--agent', agentName, '--', process.execPath, AGENT, JSON.stringify(ops)],
      {
        timeoutMs: 60_000,
      },
    );
    outputs.push(r.stdout, r.stderr);
    assert.equal(r.code, 0, r.stderr);
    return {
      results: r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Result),
      session: sessionOf(r.stderr),
    };
  }
  const at = (host: string): { endpoint: string; region: string } => ({ endpoint: `https://${host}:${aws.port}`, region: host.split('.')[1]! });

  test('S3 PutObject (signed payload and a streamed upload) and GetObject, and STS GetCallerIdentity: each verified upstream', async () => {
    const s3 = at(S3);
    const { results } = await agent([
      { op: 'put', ...s3, bucket: 'b', key: 'hello.txt', body: 'hello through the gate' },
      { op: 'get', ...s3, bucket: 'b', key: 'hello.txt' },
      { op: 'putStream', ...s3, bucket: 'b', key: 'streamed.txt', body: 'streamed bytes' },
      { op: 'get', ...s3, bucket: 'b', key: 'streamed.txt' },
      { op: 'whoami', endpoint: `https://${STS}:${aws.port}`, region: 'us-east-1' },
    ]);
    assert.deepEqual(
      results.map((r) => [r.op, r.ok, r.message ?? '']),
      [
        ['put', true, ''],
        ['get', true, ''],
        ['putStream', true, ''],
        ['get', true, ''],
        ['whoami', true, ''],
      ],
    );
    assert.equal(results[1]!.body, 'hello through the gate');
    assert.equal(results[3]!.body, 'streamed bytes');
    assert.equal(results[4]!.arn, 'arn:aws:iam::123456789012:user/tester');
    // What arrived was signed with the real key id; the streamed upload kept its unsigned-payload mode.
    const recent = aws.seen.slice(-5);
    assert.ok(recent.every((s) => s.ok && s.accessKeyId === REAL_ID));
    assert.equal(recent[2]!.headers['x-amz-content-sha256'], 'STREAMING-UNSIGNED-PAYLOAD-TRAILER');
    assert.equal(aws.objects.get('/b/hello.txt')?.toString(), 'hello through the gate');
  });

  test('large uploads: within the window the gate hashes the body; over it (3 MiB, Expect: 100-continue) it streams, hash checked', async () => {
    const s3 = at(S3);
    const { results } = await agent([
      { op: 'put', ...s3, bucket: 'b', key: 'mid', size: 900 * 1024 },
      { op: 'get', ...s3, bucket: 'b', key: 'mid', size: 900 * 1024 },
      { op: 'put', ...s3, bucket: 'b', key: 'big', size: 3 * 1024 * 1024 },
      { op: 'get', ...s3, bucket: 'b', key: 'big', size: 3 * 1024 * 1024 },
    ]);
    assert.deepEqual(
      results.map((r) => [r.op, r.ok, r.same, r.message ?? '']),
      [
        ['put', true, undefined, ''],
        ['get', true, true, ''],
        ['put', true, undefined, ''],
        ['get', true, true, ''],
      ],
    );
    const bigPut = aws.seen.filter((s) => s.headers['content-length'] === String(3 * 1024 * 1024)).at(-1);
    assert.ok(bigPut?.ok);
    assert.match(String(bigPut.headers['x-amz-content-sha256']), /^[0-9a-f]{64}$/);
  });

  test('the agent holds only placeholders; audit records name the credential and the rule', async () => {
    const r = await sluice(['run', '--config', d.configFile, '--gate', gate.address, '--', 'sh', '-c', 'echo "$AWS_ACCESS_KEY_ID $AWS_SECRET_ACCESS_KEY"'], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: REAL_ID, AWS_SECRET_ACCESS_KEY: REAL_SECRET, AWS_PROFILE: 'prod' },
    });
    outputs.push(r.stdout, r.stderr);
    assert.equal(r.stdout.trim(), `${AWS_PLACEHOLDERS.AWS_ACCESS_KEY_ID} ${AWS_PLACEHOLDERS.AWS_SECRET_ACCESS_KEY}`);
    const records = await auditQuery(d.configFile, ['--host', S3]);
    assert.ok(records.length > 0);
    assert.ok(records.every((a) => a.credential === 'aws_real' && a.rule === 's3'));
  });

  test('with a wrong stored key the server refuses the signature, and the key id it quotes is scrubbed', async () => {
    const before = aws.seen.length;
    const { results } = await agent([{ op: 'put', ...at(S3_WRONG), bucket: 'b', key: 'x', body: 'x' }]);
    assert.equal(results[0]!.ok, false);
    assert.equal(results[0]!.status, 403);
    assert.equal(results[0]!.code, 'InvalidAccessKeyId');
    const seen = aws.seen.slice(before);
    assert.deepEqual(
      seen.map((s) => [s.accessKeyId, s.ok]),
      [[WRONG_ID, false]],
    );
    // Now the same id with the wrong secret: the signature itself is checked.
    aws.keys.set(WRONG_ID, { secretAccessKey: REAL_SECRET });
    const again = await agent([{ op: 'put', ...at(S3_WRONG), bucket: 'b', key: 'x', body: 'x' }]);
    aws.keys.delete(WRONG_ID);
    assert.equal(again.results[0]!.code, 'SignatureDoesNotMatch');
    // The server quotes the key id in its message; the agent reads it redacted.
    assert.match(again.results[0]!.message ?? '', /access key id \[REDACTED:sluice\]/);
    assert.ok(!outputs.join('\n').includes(WRONG_ID), 'the stored key id reached the agent');
  });

  test('AssumeRole per session: session tags name the session and agent, keys are cached, the upload is signed with them', async () => {
    const before = aws.assumed.length;
    const { results, session } = await agent([
      { op: 'put', ...at(S3_ROLE), bucket: 'r', key: 'one', body: 'first' },
      { op: 'put', ...at(S3_ROLE), bucket: 'r', key: 'two', body: 'second' },
      { op: 'get', ...at(S3_ROLE), bucket: 'r', key: 'two' },
    ]);
    assert.deepEqual(
      results.map((r) => r.ok),
      [true, true, true],
      JSON.stringify(results),
    );
    assert.equal(results[2]!.body, 'second');
    const calls = aws.assumed.slice(before);
    assert.equal(calls.length, 1, 'one AssumeRole for the session, reused while fresh');
    const call = calls[0]!;
    assert.equal(call.caller, REAL_ID);
    assert.equal(call.RoleArn, ROLE);
    assert.equal(call.DurationSeconds, '1200');
    assert.equal(call.RoleSessionName, `sluice-${session}`.slice(0, 64));
    const tags = Object.fromEntries([1, 2, 3].map((i): [string, string] => [call[`Tags.member.${i}.Key`] ?? '', call[`Tags.member.${i}.Value`] ?? '']));
    assert.deepEqual(tags, { 'sluice-session': session, 'sluice-agent': 'aws-bot', 'sluice-tenant': 'default' });
    const uploads = aws.seen.filter((s) => s.service === 's3').slice(-3);
    assert.ok(uploads.every((s) => s.ok && s.accessKeyId.startsWith('ASIA')));
    // A new session gets its own keys; an upstream that echoes them shows the agent none of them.
    const echoed = await agent([{ op: 'get', ...at(S3_ROLE), bucket: 'r', key: 'echo' }]);
    assert.equal(aws.assumed.length, before + 2);
    const seenUp = aws.seen.at(-1)!;
    const token = String(seenUp.headers['x-amz-security-token']);
    const temp = aws.keys.get(seenUp.accessKeyId)!;
    const body = echoed.results[0]!.body ?? '';
    assert.equal((JSON.parse(body) as Record<string, string>)['x-amz-security-token'], '[REDACTED:sluice]');
    for (const v of [token, temp.secretAccessKey, seenUp.accessKeyId]) assert.ok(!body.includes(v));
  });

  test('an STS failure fails closed: 502 credential_unavailable, nothing sent to S3', async () => {
    const before = aws.seen.filter((s) => s.service === 's3').length;
    const { results } = await agent([{ op: 'put', ...at(S3_DENIED), bucket: 'b', key: 'x', body: 'x' }]);
    assert.equal(results[0]!.ok, false);
    assert.equal(results[0]!.status, 502);
    assert.equal(aws.seen.filter((s) => s.service === 's3').length, before);
    const rec = (await auditQuery(d.configFile, ['--host', S3_DENIED])).at(-1)!;
    assert.equal(rec.reason, 'credential_unavailable');
    assert.equal(rec.credential, 'aws_real'); // named (never its value), as a broker's failed token fetch is
    // The STS call goes through the gate's SSRF checks: an endpoint on an address the config does not allow is never dialled.
    const calls = aws.assumed.length;
    const ssrf = await agent([{ op: 'put', ...at(S3_PRIVATE_STS), bucket: 'b', key: 'x', body: 'x' }]);
    assert.equal(ssrf.results[0]!.status, 502);
    assert.equal(aws.assumed.length, calls);
    assert.equal(aws.seen.filter((s) => s.service === 's3').length, before);
    // The gate's log says why, each time (the agent's body says the same).
    assert.match(gate.stderr(), /role\/denied failed: STS answered HTTP 403 \(AccessDenied\)/);
    assert.match(gate.stderr(), /the STS endpoint 127\.0\.0\.9:\d+ is unreachable \(SLUICE_SSRF_BLOCKED\)/);
  });

  test('DLP still refuses a real access key id the agent sends, in a header, the body or the query', async () => {
    const s3 = at(S3);
    const { results } = await agent([
      { op: 'put', ...s3, bucket: 'b', key: 'leak-header', body: 'x', metadata: { note: REAL_ID } },
      { op: 'put', ...s3, bucket: 'b', key: 'leak-body', body: `key id ${REAL_ID}` },
      { op: 'get', ...s3, bucket: 'b', key: 'hello.txt', cacheControl: REAL_ID },
      { op: 'putStream', ...s3, bucket: 'b', key: 'leak-stream', body: `streamed key id ${REAL_ID}` },
    ]);
    assert.deepEqual(
      results.map((r) => [r.ok, r.status]),
      [
        [false, 403],
        [false, 403],
        [false, 403],
        [false, 403],
      ],
    );
    for (const key of ['leak-header', 'leak-body', 'leak-stream']) assert.equal(aws.objects.has(`/b/${key}`), false, key);
    const recs = (await auditQuery(d.configFile, ['--host', S3])).slice(-4);
    assert.deepEqual(
      recs.map((r) => [r.reason, r.findings.map((f) => f.type).join()]),
      [
        ['dlp_blocked', 'aws_access_key_id'],
        ['dlp_blocked', 'aws_access_key_id'],
        ['dlp_blocked', 'aws_access_key_id'],
        ['dlp_blocked', 'aws_access_key_id'],
      ],
    );
  });

  test('sluice explain shows the form: credential name, service, region, role; never a value', async () => {
    const e = await sluice(['explain', '--config', d.configFile, '--agent', 'aws-bot', 'PUT', `https://${S3_ROLE}/r/one`]);
    outputs.push(e.stdout, e.stderr);
    assert.equal(e.code, 0, e.stderr);
    assert.match(e.stdout, /secret aws_real signs the request with AWS SigV4/);
    assert.match(e.stdout, new RegExp(ROLE.replace(/[/.]/g, '\\$&')));
    const sts = await sluice(['explain', '--config', d.configFile, 'POST', `https://${STS}/`]);
    assert.match(sts.stdout, /service sts, region us-east-1/);
  });

  test('canary: the real secret key is in nothing the agent received, nor in the audit trail or the gate logs', async () => {
    const audit = JSON.stringify(await auditQuery(d.configFile));
    for (const [where, text] of [
      ['agent output', outputs.join('\n')],
      ['audit', audit],
      ['gate stdout', gate.stdout()],
      ['gate stderr', gate.stderr()],
    ] as const) {
      for (const secret of [REAL_SECRET, WRONG_SECRET]) {
        for (const form of [secret, Buffer.from(secret).toString('base64').replace(/=+$/, '')])
          assert.ok(!text.includes(form), `a secret key is in the ${where}`);
      }
    }
  });
});
