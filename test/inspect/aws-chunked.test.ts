/**
 * aws-chunked framing taken off for request DLP: whatever the read boundaries, the
 * bytes out are the object's; trailers are not data; malformed or truncated framing
 * is refused; the framing composes with a content-coding listed after it.
 */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { test } from 'node:test';
import { AwsChunkedDecoder, requestBodyDecoder } from '../../src/inspect/aws-chunked.js';

const FRAMED = Buffer.from('5;chunk-signature=' + 'a'.repeat(64) + '\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n', 'latin1');

void test('every split of the framed body decodes to the same bytes, trailers left out', () => {
  for (let cut = 0; cut <= FRAMED.length; cut++) {
    const d = new AwsChunkedDecoder();
    const out = [...d.push(FRAMED.subarray(0, cut)), ...d.push(FRAMED.subarray(cut)), ...d.end()];
    assert.equal(Buffer.concat(out).toString(), 'hello world', `cut at ${cut}`);
  }
  const d = new AwsChunkedDecoder();
  const byByte: Buffer[] = [];
  for (const b of FRAMED) byByte.push(...d.push(Buffer.from([b])));
  assert.equal(Buffer.concat(byByte).toString(), 'hello world');
});

void test('malformed, overlong or truncated framing is refused', () => {
  assert.throws(() => new AwsChunkedDecoder().push(Buffer.from('zz\r\nhello\r\n')), /not hexadecimal/);
  assert.throws(() => new AwsChunkedDecoder().push(Buffer.alloc(5000, 0x31)), /line over 4096 bytes/);
  const d = new AwsChunkedDecoder();
  d.push(Buffer.from('5\r\nhel'));
  assert.throws(() => d.end(), /ends before its last/);
});

void test('requestBodyDecoder: aws-chunked alone, then with gzip inside; none for identity', async () => {
  assert.equal(requestBodyDecoder('identity', {}), null);
  const plain = requestBodyDecoder('aws-chunked', {})!;
  assert.equal(Buffer.concat([...(await plain.push(FRAMED)), ...(await plain.end())]).toString(), 'hello world');
  const gz = gzipSync('zipped secret');
  const framed = Buffer.concat([Buffer.from(`${gz.length.toString(16)}\r\n`), gz, Buffer.from('\r\n0\r\n\r\n')]);
  const both = requestBodyDecoder('aws-chunked,gzip', {})!;
  assert.equal(Buffer.concat([...(await both.push(framed)), ...(await both.end())]).toString(), 'zipped secret');
});
