import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, ErrorCode } from '../../src/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { exampleConfig } from '../../src/config/starter.js';

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-config-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

void test('loadConfig reads a file, resolves paths against its folder, and versions it by its bytes', async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, 'sluice.yaml');
    await writeFile(file, exampleConfig);
    const loaded = await loadConfig(file);
    assert.equal(loaded.file, file);
    assert.equal(loaded.dir, dir);
    assert.equal(loaded.raw, exampleConfig);
    assert.equal(loaded.version, createHash('sha256').update(exampleConfig).digest('hex').slice(0, 12));
    assert.equal(loaded.config.tls.upstream_ca, join(dir, 'upstream-ca.pem'));
    assert.equal(loaded.config.data_dir, dir);
  });
});

void test('loadConfig hashes the bytes on disk, byte-order mark included', async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, 'bom.yaml');
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('version: 1\n')]);
    await writeFile(file, bytes);
    const loaded = await loadConfig(file);
    assert.equal(loaded.version, createHash('sha256').update(bytes).digest('hex').slice(0, 12));
    assert.equal(loaded.config.version, 1);
  });
});

void test('loadConfig on a missing file gives CONFIG_UNREADABLE naming the file and the reason', async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, 'nope.yaml');
    await assert.rejects(loadConfig(file), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.code, ErrorCode.CONFIG_UNREADABLE);
      assert.equal(err.message, `${file}: cannot read the config file: no such file (ENOENT); 'sluice init' writes a starter config`);
      assert.deepEqual(err.problems, [
        { file, path: '', message: "cannot read the config file: no such file (ENOENT); 'sluice init' writes a starter config" },
      ]);
      return true;
    });
  });
});

void test('loadConfig on a folder gives CONFIG_UNREADABLE', async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(loadConfig(dir), {
      code: ErrorCode.CONFIG_UNREADABLE,
      message: `${dir}: cannot read the config file: it is a folder, not a file (EISDIR)`,
    });
  });
});

void test('loadConfig refuses bytes that are not UTF-8', async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, 'latin1.yaml');
    await writeFile(file, Buffer.from([0x76, 0x3a, 0x20, 0xe9, 0x0a]));
    await assert.rejects(loadConfig(file), { code: ErrorCode.CONFIG_INVALID, message: `${file}: the file is not UTF-8 text; save it as UTF-8` });
  });
});

void test('loadConfig reports schema problems with the absolute file name', async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, 'bad.yaml');
    await writeFile(file, 'version: 1\nlisten: 1.2.3.4\n');
    await assert.rejects(loadConfig(file), {
      code: ErrorCode.CONFIG_INVALID,
      message: `${file}:2:9: listen: expected HOST:PORT like 127.0.0.1:8877 (IPv6 as [::1]:8877); got '1.2.3.4', which has no port`,
    });
  });
});
