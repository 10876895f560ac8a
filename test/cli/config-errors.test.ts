import assert from 'node:assert/strict';
import { appendFile, copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { initDir, sluice, type InitDir } from '../helpers/cli.js';

/** One data dir from `sluice init` for the whole file: its valid CA means only the config can be wrong. */
let shared: Promise<InitDir> | undefined;
let n = 0;

/** A config file next to a valid CA. */
async function badConfig(text: string): Promise<string> {
  shared ??= initDir();
  const file = join((await shared).dir, `bad-${++n}.yaml`);
  await writeFile(file, text);
  return file;
}

/** `FILE:LINE:` at the start of a line of stderr. */
function at(file: string, line: number): RegExp {
  return new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:${line}:`, 'm');
}

describe('sluice start with a bad config: exit 2, file, line and what was expected', () => {
  test('(a) a YAML syntax error', async () => {
    const file = await badConfig('version: 1\nlog:\n  level: info\n file: x\nrules: []\n');
    const r = await sluice(['start', '--config', file, '--listen', '127.0.0.1:0']);
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, at(file, 4));
    assert.match(r.stderr, /YAML syntax error/);
    assert.match(r.stderr, /same column/);
    assert.equal(r.stdout, '', 'nothing claims to listen');
  });

  test('(a) tabs used as indentation', async () => {
    const file = await badConfig('version: 1\nlog:\n\tlevel: info\n');
    const r = await sluice(['start', '--config', file, '--listen', '127.0.0.1:0']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, at(file, 3));
    assert.match(r.stderr, /[Tt]abs/);
  });

  test('(b) an unknown key, with the keys that are allowed', async () => {
    const file = await badConfig('version: 1\nlisten: 127.0.0.1:0\nbogus: 1\n');
    const r = await sluice(['start', '--config', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, at(file, 3));
    assert.match(r.stderr, /unknown key 'bogus'/);
    assert.match(r.stderr, /allowed keys: .*listen/);
  });

  test('(c) a bad listen value', async () => {
    const file = await badConfig('version: 1\nlisten: localhost:99999\n');
    const r = await sluice(['start', '--config', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, at(file, 2));
    assert.match(r.stderr, /listen: .*65535/);
    assert.match(r.stderr, /expected HOST:PORT/);
  });

  test('a mistake in a rule added to the starter config names its line in that file', async () => {
    const starter = await readFile((await (shared ??= initDir())).configFile, 'utf8');
    const lines = starter.split('\n').length;
    // The starter ends with a newline, so the appended text starts on line `lines`.
    const file = await badConfig(starter);
    await appendFile(file, '  - id: github\n    hosts: [api.github.com]\n  - id: has space\n    hosts: [example.com]\n');
    const r = await sluice(['start', '--config', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, at(file, lines + 2));
    assert.match(r.stderr, /rules\[1\]\.id: expected an id made of letters/);
  });

  test('every problem is reported in one go', async () => {
    const file = await badConfig('version: 1\nlisten: nope\nlog:\n  level: loud\n');
    const r = await sluice(['start', '--config', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, at(file, 2));
    assert.match(r.stderr, at(file, 4));
  });

  test('a bad --listen flag is a usage error', async () => {
    const d = await (shared ??= initDir());
    const r = await sluice(['start', '--config', d.configFile, '--listen', 'bogus']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--listen: expected HOST:PORT/);
  });

  test('a config file that does not exist', async () => {
    const r = await sluice(['start', '--config', '/nonexistent/sluice.yaml']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /config file not found: \/nonexistent\/sluice\.yaml/);
  });

  test('a missing CA says to run sluice init', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-noca-'));
    const file = join(dir, 'sluice.yaml');
    await writeFile(file, 'version: 1\nlisten: 127.0.0.1:0\n');
    const r = await sluice(['start', '--config', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /CA is missing/);
    assert.ok(r.stderr.includes(join(dir, 'ca.pem')), r.stderr);
    assert.match(r.stderr, new RegExp(`sluice init --dir ${dir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
  });

  test('a CA certificate without its key is just as missing', async () => {
    const d = await (shared ??= initDir());
    const dir = await mkdtemp(join(tmpdir(), 'sluice-nokey-'));
    await copyFile(d.caFile, join(dir, 'ca.pem'));
    const file = join(dir, 'sluice.yaml');
    await writeFile(file, 'version: 1\n');
    const r = await sluice(['start', '--config', file, '--listen', '127.0.0.1:0']);
    assert.equal(r.code, 2);
    assert.ok(r.stderr.includes(join(dir, 'ca-key.pem')), r.stderr);
    assert.match(r.stderr, /sluice init/);
  });
});

describe('the command line itself', () => {
  test('an unknown command exits 2 with the usage', async () => {
    const r = await sluice(['frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command 'frobnicate'/);
    assert.match(r.stderr, /usage: sluice <command>/);
  });

  test('a name inherited from Object.prototype is not a command', async () => {
    for (const name of ['toString', 'constructor', '__proto__']) {
      const r = await sluice([name]);
      assert.equal(r.code, 2, `${name}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`unknown command '${name}'`));
    }
  });

  test('no command at all exits 2 with the usage', async () => {
    const r = await sluice([]);
    assert.equal(r.code, 2);
    assert.match(r.stdout + r.stderr, /usage: sluice <command>/);
  });

  test('sluice --help lists every command and exits 0', async () => {
    const r = await sluice(['--help']);
    assert.equal(r.code, 0);
    for (const c of ['init', 'start', 'run', 'ca']) assert.match(r.stdout, new RegExp(`^  ${c} `, 'm'));
  });

  // Every command: main.ts loads each by name at run time, so this is what proves each module is there.
  for (const cmd of ['init', 'start', 'run', 'ca', 'token', 'revoke', 'secret', 'audit', 'policy', 'explain', 'mcp', 'status']) {
    test(`sluice ${cmd} --help prints its usage and exits 0`, async () => {
      const r = await sluice([cmd, '--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`^sluice ${cmd} `));
      assert.equal(r.stderr, '');
    });
  }

  test('--help after `run --` belongs to the command, not to sluice', async () => {
    const d = await (shared ??= initDir());
    // No gate is running, so if the flag were not passed on, sluice would print help and exit 0.
    const r = await sluice(['run', '--config', d.configFile, '--gate', '127.0.0.1:1', '--', 'echo', '--help']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /cannot reach the gate's control socket/);
  });

  test('an unknown option is a usage error naming it', async () => {
    const r = await sluice(['start', '--colour']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--colour/);
  });
});
