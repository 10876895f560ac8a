import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/errors.js';
import { parseConfig } from '../../src/config/load.js';

const FILE = '/etc/sluice/sluice.yaml';

function problem(yaml: string): string {
  try {
    parseConfig(`version: 1\n${yaml}`, FILE);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  assert.fail('expected a ConfigError');
}

void test('state.backend: sqlite by default, and sqlite when given', () => {
  assert.equal(parseConfig('version: 1\n', FILE).config.state.backend, 'sqlite');
  assert.equal(parseConfig('version: 1\nstate:\n', FILE).config.state.backend, 'sqlite');
  assert.equal(parseConfig('version: 1\nstate:\n  backend: sqlite\n', FILE).config.state.backend, 'sqlite');
});

void test('state.backend: postgres and redis are refused as not yet supported, naming the line; anything else lists what is', () => {
  for (const planned of ['postgres', 'redis']) {
    assert.equal(
      problem(`state:\n  backend: ${planned}\n`),
      `${FILE}:3:12: state.backend: '${planned}' is not yet supported in this version; the only state backend is sqlite (state.db in data_dir)`,
    );
  }
  assert.equal(
    problem('state:\n  backend: mysql\n'),
    `${FILE}:3:12: state.backend: expected sqlite (postgres and redis are not yet supported in this version); got 'mysql'`,
  );
  assert.match(problem('state:\n  url: postgres://db\n'), /state\.url: unknown key 'url'; allowed keys: backend/);
});
