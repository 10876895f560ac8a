import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CidrSet, cidrContains, parseCidr } from '../../src/net/cidr.js';
import { parseIp } from '../../src/net/ip.js';
import type { Ip } from '../../src/net/ip.js';

function ip(text: string): Ip {
  const parsed = parseIp(text);
  assert.ok(parsed, `test address ${text} must parse`);
  return parsed;
}

const CANONICAL: [string, string][] = [
  ['10.0.0.0/8', '10.0.0.0/8'],
  ['10.1.2.3/8', '10.0.0.0/8'],
  ['10.31.255.255/12', '10.16.0.0/12'],
  ['192.168.1.7/16', '192.168.0.0/16'],
  ['0.0.0.0/0', '0.0.0.0/0'],
  ['8.8.8.8/0', '0.0.0.0/0'],
  ['1.2.3.4', '1.2.3.4/32'],
  ['1.2.3.4/32', '1.2.3.4/32'],
  ['::/0', '::/0'],
  ['::1', '::1/128'],
  ['2001:db8::1/32', '2001:db8::/32'],
  ['fe80::1234/10', 'fe80::/10'],
  ['febf:ffff::/10', 'fe80::/10'],
  ['2001:DB8:0:0:1::/64', '2001:db8::/64'],
];

for (const [input, text] of CANONICAL) {
  void test(`parseCidr(${JSON.stringify(input)}) is ${text}`, () => {
    assert.equal(parseCidr(input).text, text);
  });
}

const BAD = [
  '10.0.0.0/33',
  '::/129',
  '10.0.0.0/',
  '10.0.0.0/-1',
  '10.0.0.0/8/9',
  '10.0.0/8',
  'foo/8',
  '/8',
  '10.0.0.0/ 8',
  '[::1]/128',
  '10.0.0.0/1000',
  '',
  '0x0a.0.0.0/8',
  '10.0.0.0/8 ',
];
for (const input of BAD) {
  void test(`parseCidr(${JSON.stringify(input)}) throws an error naming the input`, () => {
    assert.throws(
      () => parseCidr(input),
      (e: unknown) => e instanceof Error && e.message.includes(`"${input}"`),
    );
  });
}

void test('parseCidr reports the prefix range for an out-of-range prefix', () => {
  assert.throws(() => parseCidr('10.0.0.0/33'), /out of range 0-32/);
  assert.throws(() => parseCidr('::/129'), /out of range 0-128/);
});

const MEMBERSHIP: [string[], string, boolean][] = [
  [['10.0.0.0/8'], '10.0.0.0', true],
  [['10.0.0.0/8'], '10.255.255.255', true],
  [['10.0.0.0/8'], '9.255.255.255', false],
  [['10.0.0.0/8'], '11.0.0.0', false],
  [['172.16.0.0/12'], '172.31.255.255', true],
  [['172.16.0.0/12'], '172.32.0.0', false],
  [['1.2.3.4'], '1.2.3.4', true],
  [['1.2.3.4'], '1.2.3.5', false],
  [['0.0.0.0/0'], '255.255.255.255', true],
  [['0.0.0.0/0'], '::1', false],
  [['::/0'], '::', true],
  [['::/0'], 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', true],
  [['::/0'], '0.0.0.0', false],
  [['fd00::/8'], 'fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', true],
  [['fd00::/8'], 'fe00::', false],
  [['fd00::/8'], 'fcff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', false],
  [['10.0.0.0/8'], '::ffff:10.0.0.1', false],
  [['10.0.0.0/9', '10.128.0.0/9'], '10.127.255.255', true],
  [['10.0.0.0/9', '10.128.0.0/9'], '10.128.0.0', true],
  [['10.0.0.0/9', '10.128.0.0/9'], '11.0.0.0', false],
  [['10.0.0.0/8', '10.1.0.0/16', '192.168.0.0/16'], '10.200.0.1', true],
  [['10.0.0.0/8', '192.168.0.0/16'], '172.16.0.1', false],
  [['2001:db8::/32', '2001:db8:1::/48'], '2001:db8:ffff::1', true],
  [['255.255.255.255/32'], '255.255.255.255', true],
  [['ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128'], 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', true],
  [[], '10.0.0.1', false],
  [[], '::1', false],
];

for (const [cidrs, addr, expected] of MEMBERSHIP) {
  void test(`CidrSet(${JSON.stringify(cidrs)}).has(${addr}) is ${expected}`, () => {
    assert.equal(new CidrSet(cidrs).has(ip(addr)), expected);
  });
}

void test('CidrSet.size counts distinct networks after masking', () => {
  assert.equal(new CidrSet([]).size, 0);
  assert.equal(new CidrSet(['10.0.0.0/8', '10.1.2.3/8', '::1', '::1/128']).size, 2);
  assert.equal(new CidrSet(['10.0.0.0/8', '10.0.0.0/9']).size, 2);
});

void test('CidrSet rejects a bad entry with the entry in the message', () => {
  assert.throws(() => new CidrSet(['10.0.0.0/8', '10.0.0.0/40']), /"10\.0\.0\.0\/40"/);
});

void test('CidrSet agrees with a linear scan on random sets and addresses', () => {
  let seed = 42;
  const rand = (): number => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed;
  };
  const randomIp = (family: 4 | 6): Ip => {
    const bytes = new Uint8Array(family === 4 ? 4 : 16);
    // Keep the first byte in a small space so sets and probes overlap often.
    for (let i = 0; i < bytes.length; i++) bytes[i] = i === 0 ? rand() % 4 : rand() & 0xff;
    return { family, bytes };
  };
  for (let round = 0; round < 200; round++) {
    const family: 4 | 6 = round % 2 === 0 ? 4 : 6;
    const max = family === 4 ? 32 : 128;
    const texts: string[] = [];
    for (let k = rand() % 12; k > 0; k--) {
      const base = randomIp(family);
      const prefix = rand() % (max + 1);
      const addr =
        family === 4
          ? base.bytes.join('.')
          : Array.from({ length: 8 }, (_, g) => (((base.bytes[g * 2] ?? 0) << 8) | (base.bytes[g * 2 + 1] ?? 0)).toString(16)).join(':');
      texts.push(`${addr}/${prefix}`);
    }
    const set = new CidrSet(texts);
    const parsed = texts.map(parseCidr);
    for (let probe = 0; probe < 100; probe++) {
      const p = randomIp(family);
      assert.equal(
        set.has(p),
        parsed.some((c) => cidrContains(c, p)),
        `${texts.join(',')} probe ${p.bytes.join('.')}`,
      );
    }
  }
});
