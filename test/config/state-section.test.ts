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

void test('state.backend: postgres needs both URLs; redis alone is not a backend; anything else lists what is', () => {
  const ok = parseConfig('version: 1\nstate:\n  backend: postgres\n  postgres: postgres://db:5432/sluice\n  redis: redis://cache:6379\n', FILE).config.state;
  assert.deepEqual(ok, { backend: 'postgres', postgres: 'postgres://db:5432/sluice', redis: 'redis://cache:6379', namespace: 'sluice', redis_down: 'refuse' });
  assert.match(
    problem('state:\n  backend: postgres\n  redis: redis://cache\n'),
    /state\.postgres: 'backend: postgres' needs 'postgres: postgres:\/\/HOST:PORT\/DB'/,
  );
  assert.match(problem('state:\n  backend: postgres\n  postgres: postgres://db/x\n'), /state\.redis: 'backend: postgres' needs 'redis: redis:\/\/HOST:PORT'/);
  assert.match(problem('state:\n  backend: redis\n'), /state\.backend: redis is not a backend on its own/);
  assert.match(problem('state:\n  backend: mysql\n'), /state\.backend: expected sqlite or postgres; got 'mysql'/);
  assert.match(problem('state:\n  postgres: postgres://db\n'), /state\.postgres: only used with 'backend: postgres'/);
  assert.match(problem('state:\n  url: postgres://db\n'), /state\.url: unknown key 'url'; allowed keys: backend/);
});

void test('state URLs: a wrong scheme is named, and a URL that does not parse is never echoed (it may carry a password)', () => {
  assert.match(problem('state:\n  backend: postgres\n  postgres: mysql://db\n  redis: redis://c\n'), /scheme postgres or postgresql; got mysql:/);
  const msg = problem('state:\n  backend: postgres\n  postgres: "postgres://u:hunter2-canary@[bad"\n  redis: redis://c\n');
  assert.match(msg, /does not parse as a URL/);
  assert.ok(!msg.includes('hunter2-canary'), msg);
  assert.match(problem('state:\n  namespace: Prod-EU\n'), /state\.namespace: expected a lowercase identifier/);
});
