/**
 * `npm install -g` of the packed tarball puts a working `sluice` on the PATH (README,
 * "Install and test"). Install scripts are skipped to keep it quick: the CLI's entry
 * points load without better-sqlite3's native build.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { exec } from '../helpers/exec.js';

const ROOT = new URL('../../../', import.meta.url).pathname;

void test('npm pack, then npm install -g of the tarball: `sluice --version` and `sluice run --help` work', async () => {
  const prefix = await mkdtemp(join(tmpdir(), 'sluice-install-'));
  try {
    const pack = await exec('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', prefix], { cwd: ROOT, timeoutMs: 120_000 });
    assert.equal(pack.code, 0, pack.stderr);
    const tgz = (await readdir(prefix)).find((n) => n.endsWith('.tgz'));
    assert.ok(tgz, 'no tarball');
    const install = await exec('npm', ['install', '-g', '--silent', '--ignore-scripts', '--no-audit', '--no-fund', '--prefix', prefix, join(prefix, tgz)], {
      timeoutMs: 180_000,
    });
    assert.equal(install.code, 0, install.stderr);
    const version = await exec(join(prefix, 'bin', 'sluice'), ['--version'], { cwd: tmpdir() });
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stdout, /\d+\.\d+\.\d+/);
    const help = await exec(join(prefix, 'bin', 'sluice'), ['run', '--help'], { cwd: tmpdir() });
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout + help.stderr, /sluice run/);
  } finally {
    await rm(prefix, { recursive: true, force: true });
  }
});
