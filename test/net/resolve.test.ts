import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo as NetAddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { ErrorCode, SluiceError, SsrfBlockedError } from '../../src/errors.js';
import { CidrSet } from '../../src/net/cidr.js';
import { normalizeHost } from '../../src/net/host.js';
import { parseIp } from '../../src/net/ip.js';
import type { Ip } from '../../src/net/ip.js';
import { Resolver } from '../../src/net/resolve.js';
import type { ResolverOptions } from '../../src/net/resolve.js';

type Answer = { address: string; family: number }[];

function ip(text: string): Ip {
  const parsed = parseIp(text);
  assert.ok(parsed, text);
  return parsed;
}

/** A lookup that answers from a table and counts calls; unknown names fail like getaddrinfo. */
function fakeLookup(table: Record<string, string[]>): { lookup: NonNullable<ResolverOptions['lookup']>; calls: string[] } {
  const calls: string[] = [];
  const lookup = (host: string): Promise<Answer> => {
    calls.push(host);
    const addrs = table[host];
    if (addrs === undefined) return Promise.reject(Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' }));
    return Promise.resolve(addrs.map((a) => ({ address: a, family: a.includes(':') ? 6 : 4 })));
  };
  return { lookup, calls };
}

/** Asserts an SsrfBlockedError with the given details. */
async function rejectsSsrf(p: Promise<unknown>, expected: { reason: string; address?: string; range?: string; host?: string }): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof SsrfBlockedError, `expected SsrfBlockedError, got ${String(e)}`);
    assert.equal(e.code, ErrorCode.SSRF_BLOCKED);
    for (const [k, v] of Object.entries(expected)) assert.equal(e.details[k], v, k);
    return true;
  });
}

const name = (n: string) => normalizeHost(n);

void test('hosts map answer pointing at a private address is blocked', async () => {
  const r = new Resolver({ hosts: new Map([['internal.example', '10.0.0.5']]), lookup: fakeLookup({}).lookup });
  await rejectsSsrf(r.resolve(name('internal.example'), 443), {
    host: 'internal.example',
    address: '10.0.0.5',
    range: '10.0.0.0/8',
    reason: 'private-use',
  });
});

void test('hosts map answer inside allowPrivate is allowed and answered before DNS', async () => {
  const { lookup, calls } = fakeLookup({ 'internal.example': ['8.8.8.8'] });
  const r = new Resolver({
    hosts: new Map([['Internal.Example.', '10.0.0.5']]),
    allowPrivate: new CidrSet(['10.0.0.0/8']),
    lookup,
  });
  const v = await r.resolve(name('INTERNAL.example'), 8443);
  assert.deepEqual(
    { host: v.host, address: v.address, family: v.family, port: v.port, label: v.info.label },
    { host: 'internal.example', address: '10.0.0.5', family: 4, port: 8443, label: 'private-use' },
  );
  assert.deepEqual(calls, [], 'DNS must not be asked for a name in the hosts map');
});

void test('hosts map pointing at metadata is blocked even with an unrelated allowPrivate', async () => {
  const r = new Resolver({ hosts: new Map([['meta', '169.254.169.254']]), allowPrivate: new CidrSet(['10.0.0.0/8']) });
  await rejectsSsrf(r.resolve(name('meta'), 80), { reason: 'metadata', range: '169.254.169.254/32' });
});

void test('hosts map is validated in the constructor with clear errors', () => {
  assert.throws(() => new Resolver({ hosts: new Map([['svc', 'not-an-ip']]) }), /"svc" maps to "not-an-ip", which is not an IP literal/);
  assert.throws(() => new Resolver({ hosts: new Map([['svc', '0x7f.1']]) }), /not an IP literal/);
  assert.throws(() => new Resolver({ hosts: new Map([['bad host', '10.0.0.1']]) }), /"bad host" is not a valid host name/);
  assert.throws(() => new Resolver({ hosts: new Map([['10.0.0.1', '10.0.0.2']]) }), /keys must be names/);
  assert.doesNotThrow(
    () =>
      new Resolver({
        hosts: new Map([
          ['v6', '[fd00::1]'],
          ['v6b', 'fd00::2'],
        ]),
      }),
  );
});

void test('a mixed public+private answer is blocked whatever the order (rebinding)', async () => {
  const cases: [string[], string, string][] = [
    [['93.184.215.14', '10.0.0.1'], '10.0.0.1', 'private-use'],
    [['10.0.0.1', '93.184.215.14'], '10.0.0.1', 'private-use'],
    [['2606:2800::1', '::1'], '::1', 'loopback'],
    [['93.184.215.14', '2606:2800::1', '169.254.169.254'], '169.254.169.254', 'metadata'],
  ];
  for (const [answer, address, reason] of cases) {
    const r = new Resolver({ lookup: fakeLookup({ 'mixed.example': answer }).lookup });
    await rejectsSsrf(r.resolve(name('mixed.example'), 443), { host: 'mixed.example', address, reason });
  }
});

void test('an all-public answer prefers the first IPv4 address', async () => {
  const r = new Resolver({ lookup: fakeLookup({ 'dual.example': ['2606:2800::1', '93.184.215.14', '1.1.1.1'] }).lookup });
  const v = await r.resolve(name('dual.example'), 443);
  assert.equal(v.address, '93.184.215.14');
  assert.equal(v.family, 4);
  assert.equal(v.info.global, true);
});

void test('an IPv6-only answer returns the first address in canonical form', async () => {
  const r = new Resolver({ lookup: fakeLookup({ 'v6.example': ['2606:2800:0:0::0001', '2001:4860::1'] }).lookup });
  const v = await r.resolve(name('v6.example'), 443);
  assert.equal(v.address, '2606:2800::1');
  assert.equal(v.family, 6);
});

void test('DNS failure maps to SluiceError DNS_FAILED, not an SSRF block', async () => {
  const r = new Resolver({ lookup: fakeLookup({ empty: [] }).lookup });
  for (const [host, code] of [
    ['nowhere.example', 'ENOTFOUND'],
    ['empty', 'ENODATA'],
  ] as const) {
    await assert.rejects(r.resolve(name(host), 443), (e: unknown) => {
      assert.ok(e instanceof SluiceError);
      assert.ok(!(e instanceof SsrfBlockedError));
      assert.equal(e.code, ErrorCode.DNS_FAILED);
      assert.equal(e.details.host, host);
      assert.equal(e.details.code, code);
      return true;
    });
  }
});

void test('answers are cached for the TTL; cacheTtlMs 0 disables the cache', async () => {
  const cached = fakeLookup({ 'a.example': ['8.8.8.8'] });
  const r = new Resolver({ lookup: cached.lookup });
  await r.resolve(name('a.example'), 443);
  await r.resolve(name('a.example'), 80);
  assert.equal(cached.calls.length, 1);
  const uncached = fakeLookup({ 'a.example': ['8.8.8.8'] });
  const r0 = new Resolver({ lookup: uncached.lookup, cacheTtlMs: 0 });
  await r0.resolve(name('a.example'), 443);
  await r0.resolve(name('a.example'), 443);
  assert.equal(uncached.calls.length, 2);
});

void test('failed lookups are not cached', async () => {
  const { lookup, calls } = fakeLookup({});
  const r = new Resolver({ lookup });
  await assert.rejects(r.resolve(name('gone.example'), 443), SluiceError);
  await assert.rejects(r.resolve(name('gone.example'), 443), SluiceError);
  assert.equal(calls.length, 2);
});

void test('concurrent requests for one name share one lookup', async () => {
  const { lookup, calls } = fakeLookup({ 'b.example': ['8.8.4.4'] });
  const r = new Resolver({ lookup, cacheTtlMs: 0 });
  const results = await Promise.all([r.resolve(name('b.example'), 443), r.resolve(name('b.example'), 443)]);
  assert.equal(calls.length, 1);
  assert.deepEqual(
    results.map((v) => v.address),
    ['8.8.4.4', '8.8.4.4'],
  );
});

void test('a cached blocked answer stays blocked on every use', async () => {
  const { lookup, calls } = fakeLookup({ 'c.example': ['127.0.0.1'] });
  const r = new Resolver({ lookup });
  await rejectsSsrf(r.resolve(name('c.example'), 443), { reason: 'loopback' });
  await rejectsSsrf(r.resolve(name('c.example'), 443), { reason: 'loopback' });
  assert.equal(calls.length, 1);
});

void test('odd addresses from the resolver fail closed', async () => {
  const r = new Resolver({ lookup: fakeLookup({ z: ['fe80::1%eth0'], junk: ['not-an-address'] }).lookup });
  await rejectsSsrf(r.resolve(name('z'), 443), { reason: 'link-local', address: 'fe80::1' });
  await rejectsSsrf(r.resolve(name('junk'), 443), { reason: 'unparseable-address' });
});

void test('vet: IP literals are classified; mapped addresses report what they carry', () => {
  const r = new Resolver({});
  assert.throws(
    () => r.vet('169.254.169.254', ip('169.254.169.254'), 80),
    (e: unknown) => e instanceof SsrfBlockedError && e.details.reason === 'metadata' && e.details.range === '169.254.169.254/32',
  );
  assert.throws(
    () => r.vet('x', ip('::ffff:127.0.0.1'), 80),
    (e: unknown) => e instanceof SsrfBlockedError && e.details.reason === 'ipv4-mapped:loopback' && e.details.address === '::ffff:127.0.0.1',
  );
  assert.equal(r.vet('8.8.8.8', ip('8.8.8.8'), 53).address, '8.8.8.8');
  assert.equal(r.vet('x', ip('::ffff:8.8.8.8'), 53).info.global, true);
});

void test('resolve of an IP host goes through vet without DNS', async () => {
  const { lookup, calls } = fakeLookup({});
  const r = new Resolver({ lookup });
  await rejectsSsrf(r.resolve(normalizeHost('0x7f.1'), 80), { host: '127.0.0.1', reason: 'loopback' });
  assert.equal((await r.resolve(normalizeHost('[2606:4700:4700::1111]'), 443)).address, '2606:4700:4700::1111');
  assert.deepEqual(calls, []);
});

void test('allowPrivate opens exactly its ranges; an IPv4 opt-in covers the mapped form', () => {
  const r = new Resolver({ allowPrivate: new CidrSet(['10.20.0.0/16', 'fd00::/8']) });
  assert.equal(r.vet('a', ip('10.20.1.1'), 443).address, '10.20.1.1');
  assert.equal(r.vet('a', ip('::ffff:10.20.1.1'), 443).address, '::ffff:10.20.1.1');
  assert.equal(r.vet('a', ip('fd00::5'), 443).address, 'fd00::5');
  assert.throws(() => r.vet('a', ip('10.21.0.1'), 443), SsrfBlockedError);
  assert.throws(() => r.vet('a', ip('127.0.0.1'), 443), SsrfBlockedError);
  assert.throws(() => r.vet('a', ip('64:ff9b::10.20.1.1'), 443), SsrfBlockedError, 'NAT64 is not the mapped form');
});

void test('0.0.0.0 and :: are always blocked, even when allowPrivate covers everything', async () => {
  const r = new Resolver({
    allowPrivate: new CidrSet(['0.0.0.0/0', '::/0']),
    lookup: fakeLookup({ zero: ['0.0.0.0'] }).lookup,
  });
  for (const a of ['0.0.0.0', '::', '::ffff:0.0.0.0']) {
    assert.throws(
      () => r.vet('x', ip(a), 80),
      (e: unknown) => e instanceof SsrfBlockedError && e.details.reason === 'unspecified',
      a,
    );
  }
  await rejectsSsrf(r.resolve(name('zero'), 80), { reason: 'unspecified' });
  assert.equal(r.vet('x', ip('0.0.0.1'), 80).address, '0.0.0.1', 'only the unspecified address is unconditional');
});

void test('the gate itself is never a destination, even inside allowPrivate (real listener)', async (t) => {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const { address, port } = server.address() as NetAddressInfo;
  const r = new Resolver({
    hosts: new Map([['gate.internal', '127.0.0.1']]),
    allowPrivate: new CidrSet(['127.0.0.0/8', '::ffff:127.0.0.0/104']),
    selfEndpoints: () => [{ address, port }],
  });
  await rejectsSsrf(r.resolve(name('gate.internal'), port), { reason: 'self', address: '127.0.0.1' });
  await rejectsSsrf(r.resolve(name('127.0.0.1'), port), { reason: 'self' });
  await rejectsSsrf(r.resolve(name('[::ffff:127.0.0.1]'), port), { reason: 'self' });
  // Same address, another port, and another loopback address on the same port: not the listener.
  assert.equal((await r.resolve(name('gate.internal'), port === 65535 ? 1 : port + 1)).address, '127.0.0.1');
  assert.equal((await r.resolve(name('127.0.0.2'), port)).address, '127.0.0.2');
});

void test('a listener on an unspecified address covers loopback and every local interface address', () => {
  const locals = Object.values(networkInterfaces())
    .flatMap((l) => l ?? [])
    .map((i) => i.address.split('%')[0] ?? '');
  assert.ok(locals.length > 0, 'this host has interface addresses');
  for (const listen of ['0.0.0.0', '::']) {
    const r = new Resolver({
      allowPrivate: new CidrSet(['0.0.0.0/0', '::/0']),
      selfEndpoints: () => [{ address: listen, port: 3128 }],
    });
    for (const a of ['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1', ...locals]) {
      assert.throws(
        () => r.vet('x', ip(a), 3128),
        (e: unknown) => e instanceof SsrfBlockedError && e.details.reason === 'self',
        `${listen} ${a}`,
      );
      assert.equal(r.vet('x', ip(a), 3129).address.length > 0, true, `${a} on another port is fine`);
    }
    assert.equal(r.vet('x', ip('8.8.8.8'), 3128).address, '8.8.8.8', 'a remote host on the same port number is fine');
  }
});

void test('a global address of this host on the gate port is blocked without any allowPrivate', () => {
  // The gate's public address is global, so only the self rule stands between an agent and a loop.
  const r = new Resolver({
    selfEndpoints: () => [
      { address: '8.8.8.8', port: 3128 },
      { address: '[2606:4700::1]', port: 3128 },
    ],
  });
  for (const a of ['8.8.8.8', '::ffff:8.8.8.8', '2606:4700::1']) {
    assert.throws(
      () => r.vet('x', ip(a), 3128),
      (e: unknown) => e instanceof SsrfBlockedError && e.details.reason === 'self',
      a,
    );
  }
  assert.equal(r.vet('x', ip('2606:4700::2'), 3128).address, '2606:4700::2');
  assert.equal(r.vet('x', ip('8.8.8.8'), 443).address, '8.8.8.8');
});

void test('invalid ports are refused', async () => {
  const r = new Resolver({});
  for (const p of [0, -1, 65536, 1.5, Number.NaN]) {
    assert.throws(
      () => r.vet('x', ip('8.8.8.8'), p),
      (e: unknown) => e instanceof SluiceError && e.code === ErrorCode.BAD_REQUEST,
    );
    await assert.rejects(r.resolve(name('example.com'), p), (e: unknown) => e instanceof SluiceError && e.code === ErrorCode.BAD_REQUEST);
  }
});

void test('localhost through the real system resolver is blocked as loopback', async () => {
  const r = new Resolver({});
  await assert.rejects(r.resolve(name('localhost'), 80), (e: unknown) => {
    assert.ok(e instanceof SsrfBlockedError);
    assert.equal(e.details.host, 'localhost');
    assert.equal(e.details.reason, 'loopback');
    assert.match(String(e.details.range), /^(127\.0\.0\.0\/8|::1\/128)$/);
    return true;
  });
});

void test('a broad opt-in never exposes cloud metadata; only an exact single-address entry does', () => {
  const broad = new Resolver({ allowPrivate: new CidrSet(['169.254.0.0/16', 'fd00::/8', '0.0.0.0/0']) });
  assert.throws(() => broad.vet('m', ip('169.254.169.254'), 80), SsrfBlockedError);
  assert.throws(() => broad.vet('m', ip('fd00:ec2::254'), 80), SsrfBlockedError);
  assert.throws(() => broad.vet('m', ip('::ffff:169.254.169.254'), 80), SsrfBlockedError);
  // The rest of the broad range is opened as asked.
  assert.equal(broad.vet('n', ip('169.254.1.1'), 80).address, '169.254.1.1');
  const exact = new Resolver({
    allowPrivate: new CidrSet(['169.254.169.254/32']),
    allowMetadata: new CidrSet(['169.254.169.254/32']),
  });
  assert.equal(exact.vet('m', ip('169.254.169.254'), 80).address, '169.254.169.254');
  assert.throws(() => exact.vet('m', ip('fd00:ec2::254'), 80), SsrfBlockedError);
});

void test('a DNS lookup that never answers fails with DNS_FAILED instead of hanging', async () => {
  const r = new Resolver({ lookup: () => new Promise(() => undefined), lookupTimeoutMs: 50 });
  await assert.rejects(r.resolve(normalizeHost('slow.example'), 443), (e: unknown) => {
    assert.ok(e instanceof SluiceError);
    assert.equal(e.code, ErrorCode.DNS_FAILED);
    assert.match(e.message, /ETIMEOUT/);
    return true;
  });
});

void test('resolveKnown answers without DNS what needs none, and leaves only a lookup to resolve', async () => {
  const { lookup, calls } = fakeLookup({ 'api.example': ['93.184.215.14'], 'evil.example': ['10.0.0.7'] });
  const r = new Resolver({ lookup, hosts: new Map([['svc.example', '93.184.215.20']]) });
  // An IP literal and a hosts: entry: vetted at once, the same answer resolve gives.
  assert.equal(r.resolveKnown(name('1.1.1.1'), 443)?.address, '1.1.1.1');
  assert.equal(r.resolveKnown(name('svc.example'), 443)?.address, '93.184.215.20');
  // A name never looked up: null, and nothing was asked of DNS.
  assert.equal(r.resolveKnown(name('api.example'), 443), null);
  assert.deepEqual(calls, []);
  // Once resolve has looked it up, the cached answer is known, still vetted.
  assert.equal((await r.resolve(name('api.example'), 443)).address, '93.184.215.14');
  assert.equal(r.resolveKnown(name('api.example'), 443)?.address, '93.184.215.14');
  assert.deepEqual(calls, ['api.example']);
  // Refusals are the same, thrown at once: an SSRF literal, a bad port.
  assert.throws(
    () => r.resolveKnown(name('169.254.169.254'), 80),
    (e: unknown) => e instanceof SsrfBlockedError,
  );
  assert.throws(() => r.resolveKnown(name('api.example'), 0));
  await rejectsSsrf(r.resolve(name('evil.example'), 443), { reason: 'private-use', address: '10.0.0.7' });
  assert.throws(
    () => r.resolveKnown(name('evil.example'), 443),
    (e: unknown) => e instanceof SsrfBlockedError,
  );
});
