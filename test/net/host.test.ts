import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadHostError, ErrorCode } from '../../src/errors.js';
import { normalizeHost } from '../../src/net/host.js';
import type { Host } from '../../src/net/host.js';
import { canonicalIp, parseIp } from '../../src/net/ip.js';

/** What a host normalises to, as one string: the IP text or the name. */
function show(h: Host): string {
  return h.kind === 'ip' ? `ip:${h.text}` : `name:${h.name}`;
}

/** What the URL Standard parser makes of the same host, in the same shape (or 'ERR'). */
function viaUrl(raw: string): string {
  let hostname: string;
  try {
    hostname = new URL(`http://${raw}/`).hostname;
  } catch {
    return 'ERR';
  }
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  if (parseIp(bare) !== null) return `ip:${bare}`;
  return `name:${hostname.endsWith('.') ? hostname.slice(0, -1) : hostname}`;
}

function ours(raw: string): string {
  try {
    return show(normalizeHost(raw));
  } catch (e) {
    assert.ok(e instanceof BadHostError, `non-BadHostError thrown for ${raw}: ${String(e)}`);
    return 'ERR';
  }
}

const IPV4_SPELLINGS: [string, string][] = [
  ['127.0.0.1', '127.0.0.1'],
  ['2130706433', '127.0.0.1'],
  ['0177.0.0.1', '127.0.0.1'],
  ['0x7f.1', '127.0.0.1'],
  ['0x7f000001', '127.0.0.1'],
  ['0X7F000001', '127.0.0.1'],
  ['017700000001', '127.0.0.1'],
  ['0x7F.0.0.1', '127.0.0.1'],
  ['127.1', '127.0.0.1'],
  ['127.0.1', '127.0.0.1'],
  ['127.0.0.1.', '127.0.0.1'],
  ['0x7f.0.0.0x1', '127.0.0.1'],
  ['0177.0x0.1', '127.0.0.1'],
  ['127.0.0.01', '127.0.0.1'],
  ['0x7f.1.', '127.0.0.1'],
  ['0', '0.0.0.0'],
  ['0x0', '0.0.0.0'],
  ['0x', '0.0.0.0'],
  ['0x.0x.0x.0x', '0.0.0.0'],
  ['4294967295', '255.255.255.255'],
  ['0xffffffff', '255.255.255.255'],
  ['037777777777', '255.255.255.255'],
  ['169.254.43518', '169.254.169.254'],
  ['0xa9fea9fe', '169.254.169.254'],
  ['2852039166', '169.254.169.254'],
  ['0251.0376.0251.0376', '169.254.169.254'],
  ['10.0xffffff', '10.255.255.255'],
  ['1.16777215', '1.255.255.255'],
  ['1.2.65535', '1.2.255.255'],
  ['%31%32%37.0.0.1', '127.0.0.1'],
  ['０ｘ７ｆ.１', '127.0.0.1'],
  ['１２７。０。０。１', '127.0.0.1'],
];

for (const [raw, text] of IPV4_SPELLINGS) {
  void test(`IPv4 spelling ${JSON.stringify(raw)} normalises to ${text}, as new URL() reads it`, () => {
    const h = normalizeHost(raw);
    assert.equal(h.kind, 'ip');
    assert.equal(show(h), `ip:${text}`);
    assert.equal(viaUrl(raw), `ip:${text}`, 'URL Standard disagrees');
  });
}

const INVALID_IPV4: string[] = [
  '4294967296',
  '0x100000000',
  '1.16777216',
  '1.2.65536',
  '1.2.3.256',
  '256.1.1.1',
  '1.2.3.4.5',
  '1.2.3.4.5.',
  '0.0.0.0x100',
  '09',
  '0128.0.0.1',
  '0x7g.1',
  '1..2',
  '.1.2.3',
  'foo.123',
  'foo.0x1',
  'foo.09',
  'example.0',
  '99999999999999999999999',
  'a.b.c.0',
];
for (const raw of INVALID_IPV4) {
  void test(`ends in a number but is not IPv4: ${JSON.stringify(raw)} is a BadHostError (as in new URL())`, () => {
    assert.throws(() => normalizeHost(raw), BadHostError);
    assert.equal(viaUrl(raw), 'ERR');
  });
}

void test('random inet_aton spellings agree with the URL Standard parser', () => {
  let seed = 7;
  const rand = (n: number): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed % n;
  };
  const spell = (v: number): string => {
    switch (rand(6)) {
      case 0:
        return `0${v.toString(8)}`;
      case 1:
        return `0x${v.toString(16)}`;
      case 2:
        return `0X${v.toString(16).toUpperCase()}`;
      case 3:
        return `0x${'0'.repeat(rand(3))}${v.toString(16)}`;
      case 4:
        return ['09', '0x', '0xg', '1a', '', '00', '0'][rand(7)] ?? '';
      default:
        return String(v);
    }
  };
  for (let n = 0; n < 3000; n++) {
    const parts = 1 + rand(5);
    const out: string[] = [];
    for (let i = 0; i < parts; i++) {
      const big = i === parts - 1 && rand(2) === 0;
      out.push(spell(big ? rand(2 ** 31) * 2 + rand(2) : rand(300)));
    }
    const raw = out.join('.') + (rand(4) === 0 ? '.' : '');
    assert.equal(ours(raw), viaUrl(raw), `disagreement on ${JSON.stringify(raw)}`);
  }
});

const IPV6_FORMS: [string, string][] = [
  ['[::1]', '::1'],
  ['::1', '::1'],
  ['[::]', '::'],
  ['[::ffff:127.0.0.1]', '127.0.0.1'],
  ['[::ffff:7f00:1]', '127.0.0.1'],
  ['[0:0:0:0:0:ffff:127.0.0.1]', '127.0.0.1'],
  ['[64:ff9b::7f00:1]', '64:ff9b::7f00:1'],
  ['[64:ff9b::127.0.0.1]', '64:ff9b::7f00:1'],
  ['[2002:7f00:1::]', '2002:7f00:1::'],
  ['[2001:0:4136:e378:8000:63bf:3fff:fdd2]', '2001:0:4136:e378:8000:63bf:3fff:fdd2'],
  ['[fd00:ec2::254]', 'fd00:ec2::254'],
  ['[FE80::1]', 'fe80::1'],
  ['[2001:DB8:0:0:1:0:0:1]', '2001:db8::1:0:0:1'],
  ['[::127.0.0.1]', '127.0.0.1'],
  ['[::7f00:2]', '127.0.0.2'],
  ['[::2]', '0.0.0.2'],
  ['[::ffff:0:0]', '0.0.0.0'],
];
for (const [raw, text] of IPV6_FORMS) {
  void test(`IPv6 form ${raw} normalises to ${text}`, () => {
    const h = normalizeHost(raw);
    assert.equal(h.kind, 'ip');
    assert.equal(show(h), `ip:${text}`);
    if (raw.startsWith('[')) {
      // The same address as new URL() reads, with mapped and compatible addresses as the IPv4 address they carry.
      const viaUrl = parseIp(new URL(`http://${raw}/`).hostname.slice(1, -1));
      assert.deepEqual(h.kind === 'ip' ? h.ip.bytes : null, viaUrl === null ? null : canonicalIp(viaUrl).bytes, 'same address as new URL()');
    }
  });
}

const ZONES = ['fe80::1%eth0', 'fe80::1%25eth0', '[fe80::1%eth0]', '[fe80::1%25eth0]', '[fe80::1%251]', '::1%lo'];
for (const raw of ZONES) {
  void test(`zone id ${JSON.stringify(raw)} is rejected (fail closed)`, () => {
    assert.throws(
      () => normalizeHost(raw),
      (e: unknown) => e instanceof BadHostError && e.code === ErrorCode.BAD_HOST && /zone/.test(e.message) && e.details.host === raw,
    );
  });
}

const BAD_IPV6 = [
  '[127.0.0.1]',
  '[::1',
  '::1]',
  '[]',
  '[1:2:3:4::5:6:7:8]',
  '[::g]',
  '[:::]',
  '[::1]:80',
  'example.com:443',
  '[[::1]]',
  '[::ffff:1.2.3.4.]',
  '[::01.2.3.4]',
];
for (const raw of BAD_IPV6) {
  void test(`malformed bracket/IPv6 host ${JSON.stringify(raw)} is a BadHostError`, () => {
    assert.throws(() => normalizeHost(raw), BadHostError);
  });
}

const NAMES: [string, string][] = [
  ['example.com', 'example.com'],
  ['Example.COM', 'example.com'],
  ['example.com.', 'example.com'],
  ['localhost', 'localhost'],
  ['a-b_c.example', 'a-b_c.example'],
  ['bücher.example', 'xn--bcher-kva.example'],
  ['BÜCHER.example.', 'xn--bcher-kva.example'],
  ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
  ['ＥＸＡＭＰＬＥ。com', 'example.com'],
  ['ex%61mple.com', 'example.com'],
  ['1.2.3.example', '1.2.3.example'],
  ['00x1', '00x1'],
  ['0x0x1', '0x0x1'],
  ['127.0.0.1.nip.io', '127.0.0.1.nip.io'],
  [`${'a'.repeat(63)}.com`, `${'a'.repeat(63)}.com`],
  [`${'a.'.repeat(126)}a`, `${'a.'.repeat(126)}a`],
];
for (const [raw, name] of NAMES) {
  void test(`name ${JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}...` : raw)} normalises to ${name.slice(0, 40)}`, () => {
    assert.equal(show(normalizeHost(raw)), `name:${name}`);
  });
}

void test('names agree with new URL() where the URL Standard accepts them', () => {
  for (const [raw] of NAMES) assert.equal(ours(raw), viaUrl(raw), raw);
});

const BAD_NAMES: [string, string][] = [
  ['', 'empty'],
  ['.', 'only a dot'],
  ['foo..bar', 'empty label'],
  ['.foo', 'leading empty label'],
  ['foo.bar..', 'two trailing dots'],
  ['127.0.0.1..', 'IPv4 with two trailing dots (a name to URL, getaddrinfo may still read it as an address)'],
  [`${'a'.repeat(64)}.com`, 'label of 64'],
  [`${'a.'.repeat(126)}ab`, 'name of 254'],
  ['a b', 'space'],
  ['a/b', 'slash (domainToASCII would cut it)'],
  ['evil.com#.good.com', 'hash'],
  ['evil.com?.good.com', 'question mark'],
  ['user@evil.com', 'at sign'],
  ['a\\b', 'backslash'],
  ['a*b.com', 'asterisk'],
  ['a!b.com', 'bang'],
  ['a$b.com', 'dollar'],
  ['a,b.com', 'comma'],
  ['a\tb', 'tab'],
  ['a\u0000b', 'NUL'],
  ['xn--', 'bad punycode'],
  ['xn--a.com', 'bad punycode label'],
  ['%zz', 'bad percent escape'],
  ['a%2fb', 'encoded slash'],
  ['a%2525b', 'double encoding'],
  ['a%25b', 'encoded percent'],
  ['%ff.com', 'invalid UTF-8'],
  ['x'.repeat(2000), 'very long'],
];
for (const [raw, why] of BAD_NAMES) {
  void test(`invalid host (${why}) is a BadHostError`, () => {
    assert.throws(
      () => normalizeHost(raw),
      (e: unknown) => e instanceof BadHostError && e.code === ErrorCode.BAD_HOST,
    );
  });
}
