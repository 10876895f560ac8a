/**
 * The only place names become addresses. Resolve once, classify every address
 * in the answer, and hand back the one address to dial, so the connection goes
 * exactly where the check looked (no second lookup, no DNS rebinding window).
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { ErrorCode, SluiceError, SsrfBlockedError } from '../errors.js';
import { classifyAddress } from './address-class.js';
import type { AddressInfo } from './address-class.js';
import { AnswerCache } from './answer-cache.js';
import type { CidrSet } from './cidr.js';
import { normalizeHost } from './host.js';
import type { Host } from './host.js';
import { formatIp, parseIp } from './ip.js';
import type { Ip } from './ip.js';
import { isSelfDestination, isUnspecified } from './self-endpoint.js';
import type { Endpoint } from './self-endpoint.js';

export type { Endpoint } from './self-endpoint.js';

export interface ResolverOptions {
  /** Static name -> IP literal map, answered before DNS; its answers are still classified. */
  hosts?: ReadonlyMap<string, string>;
  /** Operator opt-in: non-global ranges that may be dialed anyway. */
  allowPrivate?: CidrSet;
  /**
   * Cloud metadata addresses (169.254.169.254, fd00:ec2::254, ...) hand out credentials,
   * so a broad opt-in like 169.254.0.0/16 must not expose them: only addresses in this
   * set (the operator's single-address /32 and /128 entries) are.
   */
  allowMetadata?: CidrSet;
  /** Give up on a DNS answer after this long; default 5000. */
  lookupTimeoutMs?: number;
  /** The gate's own listeners (address may be 0.0.0.0 / ::); never dialed. */
  selfEndpoints?: () => readonly Endpoint[];
  /** Default: `dns.promises.lookup(host, { all: true, verbatim: true })`. */
  lookup?: (host: string) => Promise<{ address: string; family: number }[]>;
  /** Positive answer cache TTL; default 30000, 0 disables. */
  cacheTtlMs?: number;
}

/** An address that passed the SSRF check, ready to dial. */
export interface VettedAddress {
  host: string;
  address: string;
  family: 4 | 6;
  port: number;
  info: AddressInfo;
}

/** A parsed and classified answer, kept as parallel arrays so vetting allocates nothing. */
interface Answer {
  ips: Ip[];
  texts: string[];
  infos: AddressInfo[];
}

const DEFAULT_TTL_MS = 30_000;
const MAX_CACHE_ENTRIES = 10_000;

const defaultLookup = (host: string): Promise<{ address: string; family: number }[]> => dnsLookup(host, { all: true, verbatim: true });

/**
 * @example
 * const resolver = new Resolver({ allowPrivate: new CidrSet(['10.20.0.0/16']) });
 * const dest = await resolver.resolve(normalizeHost('api.example.com'), 443);
 * net.connect({ host: dest.address, port: dest.port });
 */
export class Resolver {
  private readonly hosts = new Map<string, Answer>();
  private readonly allowPrivate: CidrSet | undefined;
  private readonly allowMetadata: CidrSet | undefined;
  private readonly lookupTimeoutMs: number;
  private readonly selfEndpoints: (() => readonly Endpoint[]) | undefined;
  private readonly lookup: (host: string) => Promise<{ address: string; family: number }[]>;
  private readonly cache: AnswerCache<Answer>;
  /** Concurrent requests for one name share one lookup. */
  private readonly inflight = new Map<string, Promise<Answer>>();

  constructor(opts: ResolverOptions) {
    this.allowPrivate = opts.allowPrivate;
    this.allowMetadata = opts.allowMetadata;
    this.lookupTimeoutMs = opts.lookupTimeoutMs ?? 5000;
    this.selfEndpoints = opts.selfEndpoints;
    this.lookup = opts.lookup ?? defaultLookup;
    this.cache = new AnswerCache(opts.cacheTtlMs ?? DEFAULT_TTL_MS, MAX_CACHE_ENTRIES);
    for (const [key, value] of opts.hosts ?? []) {
      let host: Host;
      try {
        host = normalizeHost(key);
      } catch {
        throw new Error(`hosts: "${key}" is not a valid host name`);
      }
      if (host.kind !== 'name') throw new Error(`hosts: key "${key}" is an IP literal; keys must be names`);
      const bare = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
      const ip = parseIp(bare);
      if (ip === null) throw new Error(`hosts: "${key}" maps to "${value}", which is not an IP literal`);
      this.hosts.set(host.name, { ips: [ip], texts: [formatIp(ip)], infos: [classifyAddress(ip)] });
    }
  }

  /**
   * Resolve once, classify EVERY returned address, return the one to dial
   * (the first IPv4 answer if there is one, else the first answer). Throws
   * `SsrfBlockedError` (details: host, address, range, reason) if any address
   * is not allowed: a mixed answer is a rebinding trick. Throws
   * `SluiceError(DNS_FAILED)` if resolution fails.
   */
  async resolve(host: Host, port: number): Promise<VettedAddress> {
    const known = this.resolveKnown(host, port);
    if (known !== null) return known;
    const name = this.nameOf(host);
    return this.pick(name, await this.lookupShared(name), port);
  }

  /**
   * As `resolve`, at once, for what needs no DNS: an IP literal, a `hosts:` entry, a cached
   * answer (the same checks, the same errors, thrown); null when only a lookup can answer.
   * The request path takes this first and awaits `resolve` only for a lookup.
   *
   * @example
   * const vetted = resolver.resolveKnown(host, 443) ?? (await resolver.resolve(host, 443));
   */
  resolveKnown(host: Host, port: number): VettedAddress | null {
    if (host.kind === 'ip') return this.vet(host.text, host.ip, port);
    checkPort(host.name, port);
    const answer = this.hosts.get(host.name) ?? this.cache.get(host.name);
    return answer === undefined ? null : this.pick(host.name, answer, port);
  }

  private nameOf(host: Host): string {
    // resolveKnown answers every IP literal (or throws): only names reach a lookup.
    if (host.kind !== 'name') throw new Error('an IP literal needs no lookup');
    return host.name;
  }

  /** Every address of the answer checked; the first IPv4 one to dial if there is one, else the first. */
  private pick(name: string, answer: Answer, port: number): VettedAddress {
    const endpoints = this.selfEndpoints?.();
    let pick = -1;
    for (let i = 0; i < answer.ips.length; i++) {
      const ip = answer.ips[i] as Ip;
      this.check(name, ip, answer.texts[i] ?? '', answer.infos[i] as AddressInfo, port, endpoints);
      if (pick === -1 && ip.family === 4) pick = i;
    }
    if (pick === -1) pick = 0;
    const ip = answer.ips[pick] as Ip;
    return { host: name, address: answer.texts[pick] ?? '', family: ip.family, port, info: answer.infos[pick] as AddressInfo };
  }

  /** Same check for an already-known IP (IP literals, tunnel targets). Throws `SsrfBlockedError`. */
  vet(host: string, ip: Ip, port: number): VettedAddress {
    checkPort(host, port);
    const address = formatIp(ip);
    const info = classifyAddress(ip);
    this.check(host, ip, address, info, port, this.selfEndpoints?.());
    return { host, address, family: ip.family, port, info };
  }

  private check(host: string, ip: Ip, address: string, info: AddressInfo, port: number, endpoints: readonly Endpoint[] | undefined): void {
    // Connecting to 0.0.0.0 or :: reaches the local host; no opt-in covers that.
    if (isUnspecified(ip)) throw blocked(host, address, info.range, 'unspecified');
    if (!info.global && !this.optedIn(ip, info)) throw blocked(host, address, info.range, reasonOf(info));
    if (endpoints !== undefined && endpoints.length > 0 && isSelfDestination(ip, port, endpoints)) {
      throw blocked(host, address, info.range, 'self');
    }
  }

  private optedIn(ip: Ip, info: AddressInfo): boolean {
    const allow = this.allowPrivate;
    if (allow === undefined) return false;
    if (info.label === 'metadata' || info.embedded?.label === 'metadata') {
      const v4 = info.embeddedV4;
      return this.allowMetadata !== undefined && (this.allowMetadata.has(ip) || (v4 !== undefined && this.allowMetadata.has(v4)));
    }
    if (allow.has(ip)) return true;
    // A mapped address is dialed as its IPv4 address, so an IPv4 opt-in covers it.
    return info.label === 'ipv4-mapped' && info.embeddedV4 !== undefined && allow.has(info.embeddedV4);
  }

  private lookupShared(name: string): Promise<Answer> {
    let p = this.inflight.get(name);
    if (p === undefined) {
      p = this.lookupAndParse(name).finally(() => this.inflight.delete(name));
      this.inflight.set(name, p);
    }
    return p;
  }

  private async lookupAndParse(name: string): Promise<Answer> {
    let results: { address: string; family: number }[];
    try {
      results = await withTimeout(this.lookup(name), this.lookupTimeoutMs);
    } catch (err) {
      const code = typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'ERROR';
      throw new SluiceError(ErrorCode.DNS_FAILED, `cannot resolve ${name}: ${code}`, { host: name, code });
    }
    if (results.length === 0) {
      throw new SluiceError(ErrorCode.DNS_FAILED, `cannot resolve ${name}: no addresses`, { host: name, code: 'ENODATA' });
    }
    const answer: Answer = { ips: [], texts: [], infos: [] };
    for (const r of results) {
      // getaddrinfo may append a zone to link-local answers; classify the address itself.
      const zone = r.address.indexOf('%');
      const ip = parseIp(zone === -1 ? r.address : r.address.slice(0, zone));
      if (ip === null) throw blocked(name, r.address, 'unknown', 'unparseable-address');
      answer.ips.push(ip);
      answer.texts.push(formatIp(ip));
      answer.infos.push(classifyAddress(ip));
    }
    this.cache.set(name, answer);
    return answer;
  }
}

/** getaddrinfo cannot be cancelled, but the request need not wait for it. */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('DNS lookup timed out'), { code: 'ETIMEOUT' })), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** 'loopback', or 'ipv4-mapped:loopback' so the audit trail says what the mapped address really is. */
function reasonOf(info: AddressInfo): string {
  return info.label === 'ipv4-mapped' && info.embedded !== undefined ? `${info.label}:${info.embedded.label}` : info.label;
}

function blocked(host: string, address: string, range: string, reason: string): SsrfBlockedError {
  return new SsrfBlockedError(`SSRF blocked: ${host} -> ${address} is ${reason} (${range})`, {
    host,
    address,
    range,
    reason,
  });
}

function checkPort(host: string, port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new SluiceError(ErrorCode.BAD_REQUEST, `invalid port ${port} for ${host}`, { host, port });
  }
}
