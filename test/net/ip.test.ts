import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIp, parseIp } from '../../src/net/ip.js';

const VALID: [string, string][] = [
  ['0.0.0.0', '0.0.0.0'],
  ['255.255.255.255', '255.255.255.255'],
  ['1.2.3.4', '1.2.3.4'],
  ['10.0.0.1', '10.0.0.1'],
  ['::', '::'],
  ['::1', '::1'],
  ['1::', '1::'],
  ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
  ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
  ['::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8'],
  ['FFFF::', 'ffff::'],
  ['0000:0000:0000:0000:0000:0000:0000:0001', '::1'],
  ['::ffff:1.2.3.4', '::ffff:1.2.3.4'],
  ['::ffff:7f00:1', '::ffff:127.0.0.1'],
  ['0:0:0:0:0:ffff:127.0.0.1', '::ffff:127.0.0.1'],
  ['::FFFF:127.0.0.1', '::ffff:127.0.0.1'],
  ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304'],
  ['::1.2.3.4', '::102:304'],
  ['64:ff9b::192.0.2.1', '64:ff9b::c000:201'],
  ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
  ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
  ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
  ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
  ['2001:db8:0:0:1:1:0:0', '2001:db8::1:1:0:0'],
  ['FE80::ABCD', 'fe80::abcd'],
  ['1:0:0:0:0:0:0:0', '1::'],
  ['0:0:0:0:0:0:0:1', '::1'],
];

const INVALID = [
  '',
  '1',
  '1.2.3',
  '1.2.3.4.5',
  '01.2.3.4',
  '1.2.3.04',
  '1.2.3.256',
  '256.1.1.1',
  '0x7f.0.0.1',
  '127.1',
  '2130706433',
  ' 1.2.3.4',
  '1.2.3.4 ',
  '1.2.3.4.',
  '1..2.3',
  '-1.2.3.4',
  '1.2.3.+4',
  '[::1]',
  '::1%eth0',
  'fe80::1%25eth0',
  ':::',
  '1:2:3:4:5:6:7:8:9',
  '1:2:3:4::5:6:7:8',
  '12345::',
  '::g',
  '1.2.3.4::',
  '::1.2.3',
  '::1.2.3.04',
  '::256.1.1.1',
  '1:2:3:4:5:6:7:1.2.3.4',
  '1:2:3:4:5:6::1.2.3.4',
  ':1::',
  '1::2::3',
  '1:',
  ':1',
  '1:2:3:4:5:6:7',
  '::ffff:1.2.3.4.',
  'localhost',
  'example.com',
];

for (const [input, canonical] of VALID) {
  void test(`parseIp accepts ${JSON.stringify(input)} and formatIp gives ${canonical}`, () => {
    const ip = parseIp(input);
    assert.ok(ip, `expected ${input} to parse`);
    assert.equal(ip.bytes.length, ip.family === 4 ? 4 : 16);
    assert.equal(formatIp(ip), canonical);
    assert.deepEqual(parseIp(canonical), ip, 'canonical text parses back to the same address');
  });
}

for (const input of INVALID) {
  void test(`parseIp rejects ${JSON.stringify(input)}`, () => {
    assert.equal(parseIp(input), null);
  });
}

void test('parseIp returns the exact bytes', () => {
  assert.deepEqual(parseIp('192.168.1.20'), { family: 4, bytes: new Uint8Array([192, 168, 1, 20]) });
  assert.deepEqual(parseIp('2001:db8::ff00:42:8329'), {
    family: 6,
    bytes: new Uint8Array([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0x42, 0x83, 0x29]),
  });
});

void test('formatIp matches the URL Standard serializer for non-mapped IPv6 (RFC 5952)', () => {
  for (const [input] of VALID) {
    const ip = parseIp(input);
    assert.ok(ip);
    if (ip.family !== 6 || formatIp(ip).startsWith('::ffff:')) continue;
    assert.equal(`[${formatIp(ip)}]`, new URL(`http://[${input}]/`).hostname, input);
  }
});

void test('formatIp round-trips random IPv6 addresses consistently with the URL serializer', () => {
  let seed = 0x5eed;
  const rand = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  for (let n = 0; n < 500; n++) {
    const bytes = new Uint8Array(16);
    // Mostly zero groups so compression choices (ties, runs) are exercised.
    for (let g = 0; g < 8; g++) if (rand() % 3 === 0) bytes[g * 2 + 1] = rand() & 0xff;
    if (bytes[10] === 0xff && bytes[11] === 0xff) continue;
    const text = formatIp({ family: 6, bytes });
    assert.equal(`[${text}]`, new URL(`http://[${text}]/`).hostname);
    assert.deepEqual(parseIp(text)?.bytes, bytes);
  }
});
