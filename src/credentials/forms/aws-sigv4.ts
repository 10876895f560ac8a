/**
 * The AWS Signature Version 4 form: `{ secret, aws_sigv4: { ... } }`. The agent's AWS
 * SDK or CLI signs with the placeholder keys `sluice run` gives it; the gate removes
 * that signature and signs the request as it leaves (after every rewrite) with the
 * stored key, `ACCESS_KEY_ID:SECRET_ACCESS_KEY`, or with temporary keys from STS
 * AssumeRole per session when `role_arn` is set. Service and region come from the
 * config, else from the credential scope of the agent's own signature.
 * The parts: aws/agent-signature.ts, aws/payload.ts, aws/sign.ts, aws/assume-role.ts.
 *
 * @example
 * // config:   credential: { secret: aws_prod, aws_sigv4: { region: eu-west-1, role_arn: "arn:aws:iam::123456789012:role/agent" } }
 * // compiled: { type: 'aws_sigv4', secret: 'aws_prod', region: 'eu-west-1', roleArn: 'arn:aws:iam::123456789012:role/agent', durationSeconds: 900 }
 */
import * as z from 'zod';
import { durationField, strictSection } from '../../config/fields.js';
import { takeAgentSignature } from '../aws/agent-signature.js';
import { assumedKeys } from '../aws/assume-role.js';
import { payloadHash } from '../aws/payload.js';
import { parseKeyPair, signRequest, warmSigner } from '../aws/sign.js';
import type { AwsKeys } from '../aws/sign.js';
import { CredentialError } from '../errors.js';
import { assertNoViolations, placeholderViolations } from '../inject-placeholder.js';
import { DEFAULT_MAX_BODY_BYTES } from '../placeholder-stream.js';
import { reflectionNeedles } from '../reflection-needles.js';
import { specBase } from './fields.js';
import type { CredentialBase, CredentialForm, InjectDeps } from './form.js';

export interface AwsSigv4Credential extends CredentialBase {
  type: 'aws_sigv4';
  service?: string | undefined;
  region?: string | undefined;
  roleArn?: string | undefined;
  stsEndpoint?: string | undefined;
  /** AssumeRole's DurationSeconds (STS allows 900 to 43200). */
  durationSeconds?: number | undefined;
}

const nameField = z.string().regex(/^[a-z0-9-]{2,64}$/, { error: (i) => `'${String(i.input)}' is not an AWS service or region name like s3 or us-east-1` });
const roleArnField = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, {
  error: (i) => `'${String(i.input)}' is not a role ARN like arn:aws:iam::123456789012:role/agent`,
});
const endpointField = z.url({ protocol: /^https?$/, error: 'expected an http(s) URL like https://sts.us-east-1.amazonaws.com' });
const secondsField = z.number().int().min(900).max(43200);
const DEFAULT_SECONDS = 900;

function unsignable(ref: string, why: string): CredentialError {
  return new CredentialError('request_not_signable', `credential '${ref}' (aws_sigv4): ${why}`, { ref });
}

/** The stored key, or the session's temporary key when the rule names a role. */
async function keysFor(spec: AwsSigv4Credential, region: string, deps: InjectDeps): Promise<AwsKeys> {
  const value = deps.resolve(spec.secret);
  let base: AwsKeys;
  try {
    base = parseKeyPair(value, spec.secret);
  } finally {
    value.fill(0);
  }
  if (spec.roleArn === undefined) return base;
  if (!deps.fetch || !deps.who) {
    throw new CredentialError('credential_unavailable', `credential '${spec.secret}' (aws_sigv4): AssumeRole needs the asking session's identity`, {
      ref: spec.secret,
    });
  }
  const role = { roleArn: spec.roleArn, region, endpoint: spec.stsEndpoint, durationSeconds: spec.durationSeconds ?? DEFAULT_SECONDS, ref: spec.secret };
  const keys = await assumedKeys(base, role, deps.who, deps.fetch);
  // The temporary keys are as secret as the stored one while they last: an echo of them is scrubbed too.
  if (deps.reflect === undefined) {
    throw new CredentialError('credential_unavailable', `credential '${spec.secret}' (aws_sigv4): this injection cannot scrub the temporary keys`, {
      ref: spec.secret,
    });
  }
  for (const part of [keys.accessKeyId, keys.secretAccessKey, keys.sessionToken ?? '']) if (part !== '') deps.reflect(reflectionNeedles(Buffer.from(part)));
  return keys;
}

export const awsSigv4Form = {
  type: 'aws_sigv4',
  configFields: {
    aws_sigv4: strictSection({
      service: nameField.optional(),
      region: nameField.optional(),
      role_arn: roleArnField.optional(),
      sts_endpoint: endpointField.optional(),
      session_duration: durationField({ positive: true }).optional(),
    }).optional(),
  },
  configIssues(raw) {
    const a = raw.aws_sigv4 as { role_arn?: unknown; sts_endpoint?: unknown; session_duration?: unknown } | undefined;
    if (a === undefined || a === null) return [];
    const ms = a.session_duration;
    // STS's own bounds for DurationSeconds, said in the config's words.
    if (typeof ms === 'number' && (ms < 900_000 || ms > 43_200_000))
      return [{ path: ['aws_sigv4', 'session_duration'], message: 'AssumeRole sessions last 15m to 12h' }];
    if (a.role_arn !== undefined) return [];
    return ['sts_endpoint', 'session_duration']
      .filter((k) => a[k as keyof typeof a] !== undefined)
      .map((k) => ({ path: ['aws_sigv4', k], message: `'${k}' goes with role_arn (AssumeRole); add role_arn or remove it` }));
  },
  fromConfig(c) {
    warmSigner();
    const a = c.aws_sigv4 ?? {};
    const seconds = a.session_duration === undefined ? undefined : Math.round(a.session_duration / 1000);
    const spec: AwsSigv4Credential = { type: 'aws_sigv4', secret: c.secret };
    if (a.service !== undefined) spec.service = a.service;
    if (a.region !== undefined) spec.region = a.region;
    if (a.role_arn !== undefined) {
      spec.roleArn = a.role_arn;
      spec.durationSeconds = seconds ?? DEFAULT_SECONDS;
    }
    if (a.sts_endpoint !== undefined) spec.stsEndpoint = a.sts_endpoint;
    return spec;
  },
  schema: z.object({
    type: z.literal('aws_sigv4'),
    ...specBase,
    service: nameField.optional(),
    region: nameField.optional(),
    roleArn: roleArnField.optional(),
    stsEndpoint: endpointField.optional(),
    durationSeconds: secondsField.optional(),
  }),
  explain(c) {
    const scope = `service ${c.service ?? "from the client's signature"}, region ${c.region ?? "from the client's signature"}`;
    const role = c.roleArn === undefined ? '' : `; temporary keys per session from STS AssumeRole of ${c.roleArn} (${c.durationSeconds ?? DEFAULT_SECONDS}s)`;
    return `secret ${c.secret} signs the request with AWS SigV4 (${scope})${role}`;
  },
  async inject(view, spec, deps) {
    assertNoViolations(placeholderViolations(view));
    const seen = takeAgentSignature(view, spec.secret);
    const region = spec.region ?? seen.scope?.region;
    const service = spec.service ?? seen.scope?.service;
    if (region === undefined || service === undefined) {
      throw unsignable(spec.secret, 'the client sent no SigV4 signature to take the region and service from; set aws_sigv4.region and aws_sigv4.service');
    }
    const hash = await payloadHash(view, seen.payloadClaim, deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, spec.secret, () => deps.readingBody?.());
    const keys = await keysFor(spec, region, deps);
    const sendHashHeader = seen.payloadClaim !== null || service === 's3';
    await signRequest(view, deps.method ?? 'GET', keys, { region, service, signedHeaders: seen.signedHeaders, payloadHash: hash, sendHashHeader }, spec.secret);
    const changed = ['authorization', 'x-amz-date', ...(keys.sessionToken === undefined ? [] : ['x-amz-security-token'])];
    return { changed: sendHashHeader ? [...changed, 'x-amz-content-sha256'] : changed, bodyLengthChanged: false };
  },
  // A response that quotes the key (S3's SignatureDoesNotMatch names the access key id) is scrubbed of each part.
  echoes(spec, value) {
    const keys = parseKeyPair(value, spec.secret);
    return [keys.accessKeyId, keys.secretAccessKey, ...(keys.sessionToken === undefined ? [] : [keys.sessionToken])];
  },
} satisfies CredentialForm<AwsSigv4Credential>;
