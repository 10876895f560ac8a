import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyAddress } from '../../src/net/address-class.js';
import { normalizeHost } from '../../src/net/host.js';
import { formatIp, parseIp } from '../../src/net/ip.js';
import type { Ip } from '../../src/net/ip.js';

/**
 * Written out independently of special-ranges.ts on purpose: the table under
 * test must not be its own oracle. [cidr, label at the first address, label at
 * the last address] (labels differ where a more specific range sits at an end).
 */
const BLOCKED_RANGES: [string, string, string][] = [
  ['0.0.0.0/8', 'unspecified', 'this-network'],
  ['10.0.0.0/8', 'private-use', 'private-use'],
  ['100.64.0.0/10', 'shared-address-space', 'shared-address-space'],
  ['127.0.0.0/8', 'loopback', 'loopback'],
  ['169.254.0.0/16', 'link-local', 'link-local'],
  ['172.16.0.0/12', 'private-use', 'private-use'],
  ['192.0.0.0/24', 'ietf-protocol-assignments', 'ietf-protocol-assignments'],
  ['192.0.2.0/24', 'documentation', 'documentation'],
  ['192.88.99.0/24', '6to4-relay', '6to4-relay'],
  ['192.168.0.0/16', 'private-use', 'private-use'],
  ['198.18.0.0/15', 'benchmarking', 'benchmarking'],
  ['198.51.100.0/24', 'documentation', 'documentation'],
  ['203.0.113.0/24', 'documentation', 'documentation'],
  ['224.0.0.0/4', 'multicast', 'multicast'],
  ['240.0.0.0/4', 'reserved', 'broadcast'],
  ['255.255.255.255/32', 'broadcast', 'broadcast'],
  ['::/128', 'unspecified', 'unspecified'],
  ['::1/128', 'loopback', 'loopback'],
  ['::ffff:0:0/96', 'ipv4-mapped', 'ipv4-mapped'],
  ['::/96', 'unspecified', 'ipv4-compatible'],
  ['64:ff9b::/96', 'nat64', 'nat64'],
  ['64:ff9b:1::/48', 'nat64', 'nat64'],
  ['100::/64', 'discard', 'discard'],
  ['2001::/32', 'teredo', 'teredo'],
  ['2001:db8::/32', 'documentation', 'documentation'],
  ['2001:2::/48', 'benchmarking', 'benchmarking'],
  ['2001:10::/28', 'orchid', 'orchid'],
  ['2001:20::/28', 'orchid', 'orchid'],
  ['2002::/16', '6to4', '6to4'],
  ['3fff::/20', 'documentation', 'documentation'],
  ['5f00::/16', 'srv6-sid', 'srv6-sid'],
  ['fc00::/7', 'unique-local', 'unique-local'],
  ['fe80::/10', 'link-local', 'link-local'],
  ['fec0::/10', 'site-local', 'site-local'],
  ['ff00::/8', 'multicast', 'multicast'],
];

/** First and last address of a CIDR, and the addresses just before and after it. */
function bounds(cidr: string): { first: Ip; last: Ip; before: Ip | null; after: Ip | null } {
  const [addr, len] = cidr.split('/') as [string, string];
  const base = parseIp(addr);
  assert.ok(base);
  const bits = base.bytes.length * 8;
  let n = 0n;
  for (const b of base.bytes) n = (n << 8n) | BigInt(b);
  const size = 1n << BigInt(bits - Number(len));
  const top = (1n << BigInt(bits)) - 1n;
  const make = (v: bigint): Ip => {
    const bytes = new Uint8Array(base.bytes.length);
    for (let i = bytes.length - 1; i >= 0; i--, v >>= 8n) bytes[i] = Number(v & 0xffn);
    return { family: base.family, bytes };
  };
  return {
    first: make(n),
    last: make(n + size - 1n),
    before: n === 0n ? null : make(n - 1n),
    after: n + size - 1n === top ? null : make(n + size),
  };
}

for (const [cidr, firstLabel, lastLabel] of BLOCKED_RANGES) {
  void test(`${cidr}: first and last address are not global; neighbours are outside it`, () => {
    const { first, last, before, after } = bounds(cidr);
    const f = classifyAddress(first);
    const l = classifyAddress(last);
    assert.equal(f.global, false, `${formatIp(first)} must not be global`);
    assert.equal(l.global, false, `${formatIp(last)} must not be global`);
    assert.equal(f.label, firstLabel, formatIp(first));
    assert.equal(l.label, lastLabel, formatIp(last));
    if (firstLabel === lastLabel) assert.equal(f.range, cidr);
    for (const outside of [before, after]) {
      if (outside === null) continue;
      assert.notEqual(classifyAddress(outside).range, cidr, `${formatIp(outside)} is outside ${cidr}`);
    }
  });
}

const EXACT: [string, boolean, string, string][] = [
  ['169.254.169.254', false, 'metadata', '169.254.169.254/32'],
  ['169.254.169.253', false, 'link-local', '169.254.0.0/16'],
  ['169.254.169.255', false, 'link-local', '169.254.0.0/16'],
  ['fd00:ec2::254', false, 'metadata', 'fd00:ec2::254/128'],
  ['fd00:ec2::253', false, 'unique-local', 'fc00::/7'],
  ['100.100.100.200', false, 'metadata', '100.100.100.200/32'],
  ['0.0.0.0', false, 'unspecified', '0.0.0.0/32'],
  ['0.0.0.1', false, 'this-network', '0.0.0.0/8'],
  ['1.0.0.0', true, 'global', '0.0.0.0/0'],
  ['8.8.8.8', true, 'global', '0.0.0.0/0'],
  ['9.255.255.255', true, 'global', '0.0.0.0/0'],
  ['100.63.255.255', true, 'global', '0.0.0.0/0'],
  ['100.128.0.0', true, 'global', '0.0.0.0/0'],
  ['172.15.255.255', true, 'global', '0.0.0.0/0'],
  ['172.32.0.0', true, 'global', '0.0.0.0/0'],
  ['192.0.0.9', true, 'global', '192.0.0.9/32'],
  ['192.0.0.170', false, 'ietf-protocol-assignments', '192.0.0.0/24'],
  ['198.17.255.255', true, 'global', '0.0.0.0/0'],
  ['198.20.0.0', true, 'global', '0.0.0.0/0'],
  ['223.255.255.255', true, 'global', '0.0.0.0/0'],
  ['255.255.255.254', false, 'reserved', '240.0.0.0/4'],
  ['2606:4700:4700::1111', true, 'global', '2000::/3'],
  ['2001:4860:4860::8888', true, 'global', '2000::/3'],
  ['2001:200::1', true, 'global', '2000::/3'],
  ['2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff', false, 'ietf-protocol-assignments', '2001::/23'],
  ['2001:1::1', true, 'global', '2001:1::1/128'],
  ['2001:3::1', true, 'global', '2001:3::/32'],
  ['1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', false, 'reserved', '::/0'],
  ['4000::', false, 'reserved', '::/0'],
  ['3fff:1000::', true, 'global', '2000::/3'],
  ['::2', false, 'ipv4-compatible', '::/96'],
  ['::fffe:0:0', false, 'reserved', '::/0'],
  ['64:ff9b:0:0:0:1::', false, 'reserved', '::/0'],
];
for (const [addr, global, label, range] of EXACT) {
  void test(`classifyAddress(${addr}) is ${global ? 'global' : 'blocked'} ${label} ${range}`, () => {
    const ip = parseIp(addr);
    assert.ok(ip);
    const info = classifyAddress(ip);
    assert.equal(info.global, global);
    assert.equal(info.label, label);
    assert.equal(info.range, range);
  });
}

/**
 * Embedded IPv4 addresses, as a DNS answer may carry them, to the class they really
 * are. (As a host an agent writes, a mapped or compatible literal is read as its IPv4
 * address by normalizeHost; these are the addresses themselves.)
 */
const EMBEDDED: [string, boolean, string, string, string][] = [
  ['[::ffff:127.0.0.1]', false, 'ipv4-mapped', '127.0.0.1', 'loopback'],
  ['[::ffff:7f00:1]', false, 'ipv4-mapped', '127.0.0.1', 'loopback'],
  ['[::ffff:169.254.169.254]', false, 'ipv4-mapped', '169.254.169.254', 'metadata'],
  ['[::ffff:10.1.2.3]', false, 'ipv4-mapped', '10.1.2.3', 'private-use'],
  ['[::ffff:8.8.8.8]', true, 'ipv4-mapped', '8.8.8.8', 'global'],
  ['[::127.0.0.1]', false, 'ipv4-compatible', '127.0.0.1', 'loopback'],
  ['[::8.8.8.8]', false, 'ipv4-compatible', '8.8.8.8', 'global'],
  ['[64:ff9b::7f00:1]', false, 'nat64', '127.0.0.1', 'loopback'],
  ['[64:ff9b::8.8.8.8]', false, 'nat64', '8.8.8.8', 'global'],
  ['[2002:7f00:1::]', false, '6to4', '127.0.0.1', 'loopback'],
  ['[2002:808:808::1]', false, '6to4', '8.8.8.8', 'global'],
  ['[2001:0:4136:e378:8000:63bf:3fff:fdd2]', false, 'teredo', '192.0.2.45', 'documentation'],
  ['[2001:0:0:0:0:0:80ff:fefe]', false, 'teredo', '127.0.1.1', 'loopback'],
];
for (const [raw, global, label, v4, v4label] of EMBEDDED) {
  void test(`${raw} is ${label} carrying ${v4} (${v4label}), global=${global}`, () => {
    const ip = parseIp(raw.slice(1, -1));
    assert.ok(ip);
    const info = classifyAddress(ip);
    assert.equal(info.global, global);
    assert.equal(info.label, label);
    assert.ok(info.embeddedV4);
    assert.equal(formatIp(info.embeddedV4), v4);
    assert.equal(info.embedded?.label, v4label);
  });
}

const LITERALS: [string, string][] = [
  ['[fd00:ec2::254]', 'metadata'],
  ['[::]', 'unspecified'],
  ['[::1]', 'loopback'],
  ['0x7f.1', 'loopback'],
  ['2130706433', 'loopback'],
  ['0251.0376.0251.0376', 'metadata'],
  ['[fe80::1]', 'link-local'],
  ['[ff02::1]', 'multicast'],
];
for (const [raw, label] of LITERALS) {
  void test(`host literal ${raw} classifies as ${label} and is not global`, () => {
    const h = normalizeHost(raw);
    assert.ok(h.kind === 'ip');
    const info = classifyAddress(h.ip);
    assert.equal(info.label, label);
    assert.equal(info.global, false);
  });
}
