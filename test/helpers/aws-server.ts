/**
 * A small S3- and STS-compatible server on loopback (HTTPS, this run's upstream CA)
 * that checks every request's SigV4 signature with `aws4`, an implementation
 * independent of the signer the gate uses (@smithy/signature-v4): it recomputes the
 * signature from the request as it arrived (the headers the client signed, the path,
 * the query, the payload hash) and compares. A hex `x-amz-content-sha256` must match
 * the body, and temporary keys must come with their session token.
 *
 * S3: `PUT /bucket/key` stores (aws-chunked bodies decoded), `GET /bucket/key` returns,
 * `GET /bucket/echo` answers the request's headers as JSON (an upstream that reflects).
 * STS: `GetCallerIdentity`, and `AssumeRole` (mints temporary keys, records the call
 * with its session tags; a role ending in `/denied` is refused, one in `/short` gets
 * keys that expire in 3 s).
 * A refusal quotes the access key id, as S3's SignatureDoesNotMatch does.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import aws4 from 'aws4';
import { createTlsServer } from './upstream.js';

export interface AwsKey {
  secretAccessKey: string;
  sessionToken?: string;
}

export interface AwsServer {
  port: number;
  /** Keys the server accepts, by access key id (AssumeRole adds to it). */
  keys: Map<string, AwsKey>;
  objects: Map<string, Buffer>;
  /** AssumeRole calls, with their parameters (tags included). */
  assumed: Record<string, string>[];
  /** Every request's verdict: service, access key id, whether the signature checked out. */
  seen: { service: string; accessKeyId: string; ok: boolean; headers: IncomingMessage['headers'] }[];
  close(): Promise<void>;
}

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;
export const ACCOUNT = '123456789012';

/** An error answer; `keyId` is quoted in the message and its own element, as S3 does. */
function xmlError(res: ServerResponse, status: number, code: string, keyId?: string): void {
  const message = keyId === undefined ? code : `${code}: the request signed with access key id ${keyId} does not check out`;
  const quoted = keyId === undefined ? '' : `<AWSAccessKeyId>${keyId}</AWSAccessKeyId>`;
  res.writeHead(status, { 'content-type': 'application/xml' });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message>${quoted}</Error></ErrorResponse>`,
  );
}

/** An aws-chunked body (`hex[;ext]\r\ndata\r\n ... 0\r\ntrailers\r\n\r\n`) decoded. */
function unchunk(body: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    const size = parseInt(body.subarray(at, eol).toString('latin1').split(';')[0]!, 16);
    if (!(size > 0)) return Buffer.concat(out);
    out.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/** A request as it arrived, for checkSignature. */
export interface ArrivedRequest {
  method: string;
  /** Origin form, query included. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * Whether the request's SigV4 signature is what aws4 computes with the secret `keys`
 * holds for its access key id: null without a SigV4 Authorization header, false for
 * an unknown key id, a payload hash that is not the body's, or a missing session token.
 */
export function checkSignature(req: ArrivedRequest, keys: ReadonlyMap<string, AwsKey>): boolean | null {
  const m = AUTH.exec(String(req.headers.authorization ?? ''));
  if (!m) return null;
  const [, accessKeyId, , region, service, signedList, signature] = m;
  const key = keys.get(accessKeyId!);
  if (key === undefined) return false;
  const headers: Record<string, string> = {};
  for (const name of signedList!.split(';')) {
    const v = req.headers[name];
    headers[name] = Array.isArray(v) ? v.join(',') : (v ?? '');
  }
  const claimed = headers['x-amz-content-sha256'];
  if (claimed !== undefined && /^[0-9a-f]{64}$/.test(claimed) && claimed !== createHash('sha256').update(req.body).digest('hex')) return false;
  if (key.sessionToken !== undefined && headers['x-amz-security-token'] !== key.sessionToken) return false;
  const signer = new aws4.RequestSigner(
    {
      host: headers.host,
      method: req.method,
      path: req.url,
      service,
      region,
      headers,
      body: claimed === undefined ? req.body : undefined,
      doNotModifyHeaders: true,
    },
    { accessKeyId: accessKeyId!, secretAccessKey: key.secretAccessKey, ...(key.sessionToken ? { sessionToken: key.sessionToken } : {}) },
  );
  signer.datetime = headers['x-amz-date'];
  return signer.signature() === signature;
}

function sts(res: ServerResponse, params: URLSearchParams, accessKeyId: string, s: AwsServer): void {
  const action = params.get('Action');
  res.setHeader('content-type', 'text/xml');
  if (action === 'GetCallerIdentity') {
    res.end(
      `<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::${ACCOUNT}:user/tester</Arn><UserId>AIDAEXAMPLEUSERID0000</UserId><Account>${ACCOUNT}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
    );
    return;
  }
  if (action === 'AssumeRole') {
    s.assumed.push({ ...Object.fromEntries(params), caller: accessKeyId });
    if ((params.get('RoleArn') ?? '').endsWith('/denied')) return xmlError(res, 403, 'AccessDenied');
    const id = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
    const key = { secretAccessKey: randomBytes(20).toString('base64'), sessionToken: randomBytes(32).toString('base64') };
    s.keys.set(id, key);
    // A role ending in /short gets keys that expire in 3 s (STS's own minimum is 15 min), to see them refreshed.
    const life = (params.get('RoleArn') ?? '').endsWith('/short') ? 3 : Number(params.get('DurationSeconds') ?? 900);
    const expires = new Date(Date.now() + life * 1000).toISOString();
    res.end(
      `<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>${id}</AccessKeyId><SecretAccessKey>${key.secretAccessKey}</SecretAccessKey><SessionToken>${key.sessionToken}</SessionToken><Expiration>${expires}</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>`,
    );
    return;
  }
  xmlError(res, 400, 'InvalidAction');
}

function s3(req: IncomingMessage, res: ServerResponse, body: Buffer, s: AwsServer): void {
  const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
  if (req.method === 'PUT') {
    const data = req.headers['content-encoding'] === 'aws-chunked' ? unchunk(body) : body;
    s.objects.set(path, data);
    res.writeHead(200, { etag: `"${createHash('md5').update(data).digest('hex')}"` });
    return void res.end();
  }
  // A reflecting upstream: the headers it received, as JSON.
  if (path.endsWith('/echo')) {
    res.writeHead(200, { 'content-type': 'application/json' });
    return void res.end(JSON.stringify(req.headers));
  }
  const data = s.objects.get(path);
  if (data === undefined) return xmlError(res, 404, 'NoSuchKey');
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
  res.end(data);
}

/** Start the server on 127.0.0.1:0 with a certificate for each of `names`. */
export async function startAwsServer(names: readonly string[], keys: Record<string, AwsKey>): Promise<AwsServer> {
  const s: AwsServer = { port: 0, keys: new Map(Object.entries(keys)), objects: new Map(), assumed: [], seen: [], close: () => Promise.resolve() };
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      const m = AUTH.exec(String(req.headers.authorization ?? ''));
      const ok = checkSignature({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body }, s.keys);
      if (!m || ok === null) return xmlError(res, 403, 'MissingAuthenticationToken');
      s.seen.push({ service: m[4]!, accessKeyId: m[1]!, ok, headers: req.headers });
      if (!ok) return xmlError(res, 403, s.keys.has(m[1]!) ? 'SignatureDoesNotMatch' : 'InvalidAccessKeyId', m[1]);
      if (m[4] === 'sts') return sts(res, new URLSearchParams(body.toString('utf8')), m[1]!, s);
      s3(req, res, body, s);
    });
  };
  const server = await createTlsServer(handler, names);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  s.port = (server.address() as AddressInfo).port;
  s.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return s;
}
