/**
 * Temporary keys from STS AssumeRole, one set per (credential, role, tenant, agent,
 * session): the session's requests are signed with keys that name the session in
 * CloudTrail (the role session name and the session tags `sluice-session`,
 * `sluice-agent`, `sluice-tenant`) and expire in minutes, never with the long-term
 * key the store holds. Keys are reused until five minutes (or a fifth of their life,
 * if shorter) before they expire, and fetched once however many requests wait.
 *
 * The call goes through the gate's own vetted dial (`deps.fetch`), signed by the same
 * signer as every request; any failure (unreachable, refused, unreadable answer) is a
 * CredentialError 'credential_unavailable': the request fails closed.
 *
 * @example
 * const keys = await assumedKeys(base, { roleArn, region: 'us-east-1', durationSeconds: 900, ref: 'aws_prod' }, who, deps.fetch);
 */
import { createHash } from 'node:crypto';
import { CredentialError } from '../errors.js';
import type { BrokerFetch, BrokerIdentity } from '../forms/form.js';

/** The parts of who asks that the role session is tagged with. */
type Who = Pick<BrokerIdentity, 'tenant' | 'agent' | 'session'>;
import type { RequestView } from '../inject-placeholder.js';
import { signRequest } from './sign.js';
import type { AwsKeys } from './sign.js';

export interface AssumeRoleSpec {
  roleArn: string;
  region: string;
  /** Default `https://sts.<region>.amazonaws.com`. */
  endpoint?: string | undefined;
  durationSeconds: number;
  /** The secret's reference, for messages and the cache key. */
  ref: string;
}

interface Cached {
  keys: AwsKeys;
  refreshAt: number;
}

const MAX_ENTRIES = 10_000;
const cache = new Map<string, Cached>();
const inflight = new Map<string, Promise<AwsKeys>>();

/** STS's own limits: a session name is 2-64 of [\w+=,.@-]; a tag value up to 256 of a similar set. */
const clean = (s: string, max: number): string => s.replace(/[^\w+=,.@-]/g, '_').slice(0, max);

function unavailable(spec: AssumeRoleSpec, why: string): CredentialError {
  return new CredentialError('credential_unavailable', `credential '${spec.ref}' (aws_sigv4): STS AssumeRole for ${spec.roleArn} failed: ${why}`, {
    ref: spec.ref,
  });
}

/** The AssumeRole form body, with the session tags that carry who is asking. */
function assumeRoleBody(spec: AssumeRoleSpec, who: Who): string {
  const p = new URLSearchParams({
    Action: 'AssumeRole',
    Version: '2011-06-15',
    RoleArn: spec.roleArn,
    RoleSessionName: clean(`sluice-${who.session}`, 64),
    DurationSeconds: String(spec.durationSeconds),
  });
  const tags: [string, string][] = [
    ['sluice-session', who.session],
    ['sluice-agent', who.agent],
    ['sluice-tenant', who.tenant],
  ];
  tags.forEach(([k, v], i) => {
    p.set(`Tags.member.${i + 1}.Key`, k);
    p.set(`Tags.member.${i + 1}.Value`, clean(v, 256));
  });
  return p.toString();
}

const field = (xml: string, name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

async function fetchKeys(base: AwsKeys, spec: AssumeRoleSpec, who: Who, fetch: BrokerFetch): Promise<Cached> {
  const url = new URL(spec.endpoint ?? `https://sts.${spec.region}.amazonaws.com/`);
  const body = assumeRoleBody(spec, who);
  const view: RequestView = { headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, path: url.pathname };
  const payloadHash = createHash('sha256').update(body).digest('hex');
  await signRequest(view, 'POST', base, { region: spec.region, service: 'sts', signedHeaders: [], payloadHash, sendHashHeader: true }, spec.ref);
  let res: { status: number; body: string };
  try {
    res = await fetch(url.href, { method: 'POST', headers: view.headers as Record<string, string>, body });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw unavailable(spec, `the STS endpoint ${url.host} is unreachable (${typeof code === 'string' ? code : (err as Error).message})`);
  }
  if (res.status !== 200) throw unavailable(spec, `STS answered HTTP ${res.status}${field(res.body, 'Code') ? ` (${field(res.body, 'Code')})` : ''}`);
  const accessKeyId = field(res.body, 'AccessKeyId');
  const secretAccessKey = field(res.body, 'SecretAccessKey');
  const sessionToken = field(res.body, 'SessionToken');
  const expires = Date.parse(field(res.body, 'Expiration') ?? '');
  if (!accessKeyId || !secretAccessKey || !sessionToken || !Number.isFinite(expires)) throw unavailable(spec, 'the answer carries no complete credentials');
  const now = Date.now();
  const margin = Math.min(5 * 60_000, (expires - now) / 5);
  return { keys: { accessKeyId, secretAccessKey, sessionToken }, refreshAt: expires - margin };
}

/** Temporary keys for this session: cached ones while fresh, else one AssumeRole shared by every waiter. */
export async function assumedKeys(base: AwsKeys, spec: AssumeRoleSpec, who: Who, fetch: BrokerFetch): Promise<AwsKeys> {
  const key = JSON.stringify([spec.ref, spec.roleArn, spec.endpoint ?? spec.region, base.accessKeyId, who.tenant, who.agent, who.session]);
  const hit = cache.get(key);
  if (hit && hit.refreshAt > Date.now()) return hit.keys;
  const pending = inflight.get(key);
  if (pending) return pending;
  const p = fetchKeys(base, spec, who, fetch).then(
    (got) => {
      inflight.delete(key);
      cache.delete(key);
      if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
      cache.set(key, got);
      return got.keys;
    },
    (err: unknown) => {
      inflight.delete(key);
      throw err;
    },
  );
  inflight.set(key, p);
  return p;
}

/** Forget every cached key (tests; a gate that stops). */
export function forgetAssumedKeys(): void {
  cache.clear();
}
