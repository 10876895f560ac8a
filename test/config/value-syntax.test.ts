import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCidr } from '../../src/config/cidr.js';
import { isHostName, parseHostName, parseHostPattern } from '../../src/config/host-pattern.js';
import { parseListen } from '../../src/config/listen-address.js';

void test('parseListen accepts IPv4, bracketed IPv6, names, and ports 0..65535', () => {
  assert.deepEqual(parseListen('127.0.0.1:8877'), { host: '127.0.0.1', port: 8877 });
  assert.deepEqual(parseListen('[::1]:8877'), { host: '::1', port: 8877 });
  assert.deepEqual(parseListen('LocalHost:0'), { host: 'localhost', port: 0 });
  assert.deepEqual(parseListen('0.0.0.0:65535'), { host: '0.0.0.0', port: 65535 });
  assert.deepEqual(parseListen('[FE80::1%Eth0]:80'), { host: 'FE80::1%Eth0', port: 80 });
});

void test('parseListen explains each kind of bad address', () => {
  assert.throws(() => parseListen('::1:8877'), { message: 'IPv6 addresses need brackets: [::1]:8877' });
  assert.throws(() => parseListen('127.0.0.1'), { message: "expected HOST:PORT like 127.0.0.1:8877 (IPv6 as [::1]:8877); got '127.0.0.1', which has no port" });
  assert.throws(() => parseListen(':8877'), { message: /which has no host \(127\.0\.0\.1:8877 listens on this machine only/ });
  assert.throws(() => parseListen('127.0.0.1:65536'), { message: /^port '65536' must be a whole number from 0 to 65535/ });
  assert.throws(() => parseListen('127.0.0.1:http'), { message: /^port 'http' must be a whole number/ });
  assert.throws(() => parseListen('[example.com]:80'), { message: /^'example\.com' in brackets is not an IPv6 address/ });
  assert.throws(() => parseListen('[::1]8877'), { message: "expected HOST:PORT like 127.0.0.1:8877 (IPv6 as [::1]:8877); got '[::1]8877'" });
  assert.throws(() => parseListen('bad host:80'), { message: /^'bad host' is not an IP address or host name/ });
});

void test('parseCidr normalises bare addresses and checks the prefix per family', () => {
  assert.equal(parseCidr('127.0.0.1'), '127.0.0.1/32');
  assert.equal(parseCidr('::1'), '::1/128');
  assert.equal(parseCidr('10.0.0.0/8'), '10.0.0.0/8');
  assert.equal(parseCidr('FD00::/08'), 'fd00::/8');
  assert.equal(parseCidr('0.0.0.0/0'), '0.0.0.0/0');
  assert.throws(() => parseCidr('10.0.0.0/33'), { message: "prefix /33 is out of range for IPv4 (0 to 32) in '10.0.0.0/33'" });
  assert.throws(() => parseCidr('fd00::/129'), { message: "prefix /129 is out of range for IPv6 (0 to 128) in 'fd00::/129'" });
  assert.throws(() => parseCidr('10.0.0.0/'), { message: /^prefix \/ is out of range/ });
  assert.throws(() => parseCidr('10.0.0/8'), { message: /^'10\.0\.0' is not an IP address/ });
  assert.throws(() => parseCidr('fe80::%eth0/64'), { message: /^'fe80::%eth0' has a zone id/ });
  assert.throws(() => parseCidr('10.0.0.0/8/8'), { message: /got '10\.0\.0\.0\/8\/8'$/ });
});

void test('parseHostPattern accepts names, leading wildcards and IP literals, normalised', () => {
  assert.equal(parseHostPattern('API.Example.com.'), 'api.example.com');
  assert.equal(parseHostPattern('*.Example.com'), '*.example.com');
  assert.equal(parseHostPattern('_acme.example.com'), '_acme.example.com');
  assert.equal(parseHostPattern('10.1.2.3'), '10.1.2.3');
  assert.equal(parseHostPattern('[::1]'), '::1');
  assert.equal(parseHostPattern('FD00::1'), 'fd00::1');
});

void test('parseHostPattern refuses misplaced and doubled wildcards, ports, URLs and bad labels', () => {
  assert.throws(() => parseHostPattern('a.*.com'), { message: "'*' is only allowed as the whole first label, like '*.example.com'; got 'a.*.com'" });
  assert.throws(() => parseHostPattern('*example.com'), { message: /^'\*' is only allowed as the whole first label/ });
  assert.throws(() => parseHostPattern('*.*.com'), { message: /^'\*' is only allowed as the whole first label/ });
  assert.throws(() => parseHostPattern('**.example.com'), { message: "'**' is not allowed in '**.example.com'; write '*.example.com' to match subdomains" });
  assert.equal(parseHostPattern('*'), '*');
  assert.throws(() => parseHostPattern('api.example.com:443'), {
    message: "host names cannot carry a port; write 'api.example.com' instead of 'api.example.com:443'",
  });
  assert.throws(() => parseHostPattern('https://api.example.com/v1'), {
    message: "expected a host name, not a URL or path; got 'https://api.example.com/v1' (write 'api.example.com')",
  });
  assert.throws(() => parseHostPattern('-bad.example.com'), { message: /^'-bad\.example\.com' is not a valid host name: labels are letters/ });
  assert.throws(() => parseHostPattern('1.2.3'), { message: "'1.2.3' looks like an IP address but is not a valid one" });
  assert.throws(() => parseHostPattern(''), { message: 'expected a host name, got an empty string' });
  assert.throws(() => parseHostPattern('fe80::1%eth0'), { message: "'fe80::1%eth0' has a zone id ('%...'); write the address without it" });
  assert.throws(() => parseHostPattern('[nope]'), { message: "'[nope]' is bracketed but is not an IPv6 address" });
  assert.throws(() => parseHostPattern(`${'a'.repeat(64)}.com`), { message: /is not a valid host name/ });
});

void test('parseHostName takes exact names only', () => {
  assert.equal(parseHostName('Api.Upstream.Test'), 'api.upstream.test');
  assert.throws(() => parseHostName('*.upstream.test'), { message: "'*.upstream.test' must be an exact host name; wildcards are not allowed here" });
  assert.equal(isHostName('localhost'), true);
  assert.equal(isHostName('a..b'), false);
  assert.equal(isHostName(`${'a.'.repeat(127)}ab`), false);
});
