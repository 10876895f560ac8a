/**
 * What the agent's own SigV4 signature says, read and then removed. The agent signs
 * with placeholder keys, so its signature is worthless upstream; but its credential
 * scope names the region and service it meant, and its SignedHeaders list names the
 * headers it meant to bind. The gate keeps that intent and drops the rest: the
 * Authorization header, the date, the session token and the payload-hash claim (the
 * gate decides the payload hash itself, payload.ts).
 *
 * A presigned URL (the signature in the query) is refused rather than re-signed: its
 * expiry and its signed headers are the agent's promise to a third party, which the
 * gate cannot keep by moving the signature into a header.
 *
 * @example
 * const seen = takeAgentSignature(view);
 * // { scope: { region: 'us-east-1', service: 's3' }, signedHeaders: ['content-type', 'host', ...], payloadClaim: 'UNSIGNED-PAYLOAD' }
 */
import { CredentialError } from '../errors.js';
import { deleteHeader } from '../header-value.js';
import { splitPath } from '../inject-query.js';
import type { RequestView } from '../inject-placeholder.js';

export interface AgentSignature {
  /** Region and service from the agent's credential scope, when it signed. */
  scope: { region: string; service: string } | null;
  /** Lower-case header names the agent signed (empty when it did not sign). */
  signedHeaders: string[];
  /** The agent's `x-amz-content-sha256`: a hex hash, `UNSIGNED-PAYLOAD`, `STREAMING-...`, or null. */
  payloadClaim: string | null;
}

/** Headers of the agent's signature; the gate writes its own. */
const SIGNATURE_HEADERS = ['authorization', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256'];

/** Query parameters of a presigned URL (SigV4 and SigV2). */
const PRESIGNED = /(?:^|&)(?:X-Amz-Signature|X-Amz-Credential|X-Amz-Algorithm|Signature|AWSAccessKeyId)=/i;

const CREDENTIAL = /Credential=([^/,\s]*)\/(\d{8})\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request/;
const SIGNED_HEADERS = /SignedHeaders=([a-z0-9;_-]+)/i;

function one(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Read the agent's signature from `view` and remove it. Throws CredentialError for a presigned URL. */
export function takeAgentSignature(view: RequestView, secretRef: string): AgentSignature {
  const { query } = splitPath(view.path);
  if (query !== undefined && PRESIGNED.test(query)) {
    throw new CredentialError(
      'request_not_signable',
      `credential '${secretRef}' (aws_sigv4): a presigned URL (signature in the query) is not re-signed; sign in the Authorization header (the AWS SDK's and CLI's default)`,
      { ref: secretRef },
    );
  }
  const auth = one(view.headers.authorization) ?? '';
  const cred = auth.startsWith('AWS4-HMAC-SHA256 ') ? CREDENTIAL.exec(auth) : null;
  const listed = SIGNED_HEADERS.exec(auth)?.[1];
  const payloadClaim = one(view.headers['x-amz-content-sha256']) ?? null;
  for (const h of SIGNATURE_HEADERS) deleteHeader(view.headers, h);
  return {
    scope: cred ? { region: cred[3]!, service: cred[4]! } : null,
    signedHeaders: listed ? listed.toLowerCase().split(';') : [],
    payloadClaim,
  };
}

/** A SigV4 Authorization header and nothing else: every part but the key id is structure (dates, names, hex). */
const EXACT_SIGNATURE =
  /^AWS4-HMAC-SHA256 Credential=([A-Za-z0-9_.-]{1,128})\/\d{8}\/[a-z0-9-]{1,64}\/[a-z0-9-]{1,64}\/aws4_request, ?SignedHeaders=[a-z0-9;_-]{1,4096}, ?Signature=[0-9a-f]{64}$/;

/**
 * Run the outbound DLP `scan` with a SigV4 Authorization header reduced to its access
 * key id, for a rule whose aws_sigv4 credential strips that header anyway: the
 * signature's hex and the `Credential=` label read as a generic token, but a real
 * key id (AKIA..., ASIA...) is still found and refused. A header of any other shape is
 * scanned whole. What the scan redacts in the key id is not put back.
 *
 * @example
 * scanningKeyIdOnly(up.headers, () => inspectHead(dlp, x, profile, up));
 */
export function scanningKeyIdOnly(headers: RequestView['headers'], scan: () => void): void {
  const whole = headers.authorization;
  const id = typeof whole === 'string' ? EXACT_SIGNATURE.exec(whole)?.[1] : undefined;
  if (whole === undefined || id === undefined) return scan();
  headers.authorization = id;
  try {
    scan();
  } finally {
    if (headers.authorization === id) headers.authorization = whole;
    else delete headers.authorization;
  }
}
