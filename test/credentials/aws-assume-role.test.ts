/**
 * STS AssumeRole keys for aws_sigv4, against the local STS that checks signatures with
 * aws4: one call per session however many requests wait, reuse while fresh, a new
 * call once near expiry, and every failure a credential_unavailable naming the
 * reference and the cause, never a key.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { Agent, request } from 'undici';
import { assumedKeys } from '../../src/credentials/aws/assume-role.js';
import type { AssumeRoleSpec } from '../../src/credentials/aws/assume-role.js';
import type { BrokerFetch } from '../../src/credentials/forms/form.js';
import { startAwsServer, type AwsServer } from '../helpers/aws-server.js';
import { upstreamPki } from '../helpers/pki.js';

const BASE = { accessKeyId: 'AKIAASSUMEROLETEST01', secretAccessKey: 'canary-assume-role-base-secret' };
const who = { tenant: 'acme', agent: 'bot', session: 'ses_1' };

describe('assumedKeys', () => {
  let sts: AwsServer;
  let fetch: BrokerFetch;
  let dispatcher: Agent;
  const role = (name: string, session = 'ses_1'): [AssumeRoleSpec, typeof who] => [
    { roleArn: `arn:aws:iam::123456789012:role/${name}`, region: 'us-east-1', endpoint: `https://127.0.0.1:${sts.port}/`, durationSeconds: 900, ref: 'aws' },
    { ...who, session },
  ];

  before(async () => {
    sts = await startAwsServer(['127.0.0.1'], { [BASE.accessKeyId]: { secretAccessKey: BASE.secretAccessKey } });
    dispatcher = new Agent({ connect: { ca: (await upstreamPki()).caPem } });
    // A plain HTTPS client here: the gate's vetted dial is exercised end to end in aws-sigv4-e2e.
    fetch = async (url, init) => {
      const res = await request(url, { method: init.method as 'POST', headers: init.headers, body: init.body ?? null, dispatcher });
      return { status: res.statusCode, body: await res.body.text() };
    };
  });
  after(async () => {
    await dispatcher?.close();
    await sts?.close();
  });

  test('concurrent requests of one session share one AssumeRole, signed with the base key, and reuse its keys', async () => {
    const [spec, id] = role('shared');
    const keys = await Promise.all([1, 2, 3, 4, 5].map(() => assumedKeys(BASE, spec, id, fetch)));
    assert.equal(sts.assumed.filter((a) => a.RoleArn === spec.roleArn).length, 1);
    assert.ok(keys.every((k) => k.accessKeyId === keys[0]!.accessKeyId && k.sessionToken !== undefined));
    assert.ok(sts.seen.at(-1)?.ok, 'the STS call itself verified');
    await assumedKeys(BASE, spec, id, fetch);
    assert.equal(sts.assumed.filter((a) => a.RoleArn === spec.roleArn).length, 1);
    const [, other] = role('shared', 'ses_2');
    assert.notEqual((await assumedKeys(BASE, spec, other, fetch)).accessKeyId, keys[0]!.accessKeyId);
  });

  test('keys near their expiry are fetched again', async () => {
    const [spec, id] = role('short');
    const first = await assumedKeys(BASE, spec, id, fetch);
    // Refreshed a fifth of their life (0.6 s) before the 3 s expiry: past 2.4 s they are stale.
    await sleep(2600);
    const second = await assumedKeys(BASE, spec, id, fetch);
    assert.notEqual(second.accessKeyId, first.accessKeyId);
    assert.equal(sts.assumed.filter((a) => a.RoleArn === spec.roleArn).length, 2);
  });

  test('a refusal, an unreachable endpoint or a wrong base key: credential_unavailable naming the cause, never a key', async () => {
    const [denied, id] = role('denied');
    await assert.rejects(assumedKeys(BASE, denied, id, fetch), (e: Error & { reason?: string }) => {
      assert.equal(e.reason, 'credential_unavailable');
      assert.match(e.message, /^credential 'aws' \(aws_sigv4\): STS AssumeRole for .*role\/denied failed: STS answered HTTP 403 \(AccessDenied\)$/);
      return true;
    });
    const [spec] = role('any');
    await assert.rejects(assumedKeys({ ...BASE, secretAccessKey: 'wrong' }, spec, id, fetch), /STS answered HTTP 403 \(SignatureDoesNotMatch\)/);
    const closed = { ...spec, endpoint: 'https://127.0.0.1:1/' };
    await assert.rejects(assumedKeys(BASE, closed, id, fetch), (e: Error) => {
      assert.match(e.message, /the STS endpoint 127\.0\.0\.1:1 is unreachable \(ECONNREFUSED\)/);
      assert.ok(!e.message.includes(BASE.secretAccessKey) && !e.message.includes(BASE.accessKeyId));
      return true;
    });
  });
});
