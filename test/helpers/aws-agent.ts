/**
 * An agent that uses the AWS SDK for JavaScript v3, run as a child process (under
 * `sluice run` in the tests): credentials from the environment (the SDK's default
 * chain, so whatever `sluice run` set), the proxy from HTTPS_PROXY as AWS documents
 * it for the v3 SDK (a NodeHttpHandler with a proxy agent; the SDK reads no proxy
 * variable itself), the gate's CA from NODE_EXTRA_CA_CERTS.
 *
 * argv[2] is a JSON list of operations; each prints one JSON line:
 * `{ op, ok, status, code?, body?, arn? }`.
 *
 * @example
 * node dist/test/helpers/aws-agent.js '[{"op":"put","endpoint":"https://s3.us-east-1.amazonaws.com:4443","region":"us-east-1","bucket":"b","key":"k","body":"hi"}]'
 */
import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { HttpsProxyAgent } from 'https-proxy-agent';

interface Op {
  op: 'put' | 'putStream' | 'get' | 'whoami';
  endpoint: string;
  region: string;
  bucket?: string;
  key?: string;
  body?: string;
  /** A body of this many bytes ('a' to 'z' repeated) instead of `body`; `get` then answers its length. */
  size?: number;
  metadata?: Record<string, string>;
  cacheControl?: string;
}

const proxy = process.env.HTTPS_PROXY;
// The SDK builds its NodeHttpHandler from these options.
const requestHandler = proxy ? { httpsAgent: new HttpsProxyAgent(proxy) } : {};
const common = (o: Op) => ({ endpoint: o.endpoint, region: o.region, requestHandler, maxAttempts: 1 });

function sized(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = 97 + (i % 26);
  return b;
}

async function run(o: Op): Promise<Record<string, unknown>> {
  const s3 = new S3Client({ ...common(o), forcePathStyle: true });
  const Bucket = o.bucket ?? 'bucket';
  const Key = o.key ?? 'key';
  switch (o.op) {
    case 'put': {
      const Body = o.size === undefined ? (o.body ?? '') : sized(o.size);
      await s3.send(new PutObjectCommand({ Bucket, Key, Body, ...(o.metadata ? { Metadata: o.metadata } : {}) }));
      return {};
    }
    case 'putStream': {
      const data = Buffer.from(o.body ?? '');
      await s3.send(new PutObjectCommand({ Bucket, Key, Body: Readable.from([data]), ContentLength: data.length }));
      return {};
    }
    case 'get': {
      const r = await s3.send(new GetObjectCommand({ Bucket, Key, ...(o.cacheControl ? { ResponseCacheControl: o.cacheControl } : {}) }));
      const body = Buffer.from((await r.Body?.transformToByteArray()) ?? []);
      return o.size === undefined ? { body: body.toString() } : { same: body.equals(sized(o.size)) };
    }
    case 'whoami': {
      const r = await new STSClient(common(o)).send(new GetCallerIdentityCommand({}));
      return { arn: r.Arn };
    }
  }
}

for (const o of JSON.parse(process.argv[2] ?? '[]') as Op[]) {
  try {
    process.stdout.write(`${JSON.stringify({ op: o.op, ok: true, status: 200, ...(await run(o)) })}\n`);
  } catch (err) {
    const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number }; $response?: { body?: unknown } };
    process.stdout.write(`${JSON.stringify({ op: o.op, ok: false, status: e.$metadata?.httpStatusCode ?? 0, code: e.name, message: e.message })}\n`);
  }
}
