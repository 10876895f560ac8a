import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { bwrapArgs, visible } from '../../src/launcher/bwrap-args.js';

const base = {
  cwd: '/work/project',
  writable: [],
  readOnly: [],
  trustDir: '/tmp/sluice-trust-0-ab',
  runDir: '/tmp/sluice-run-x',
  blankFile: '/tmp/sluice-run-x/.blank',
};

/** The (op, path) pairs after the fixed prefix, for reading the mount plan. */
function ops(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--bind' || a === '--ro-bind') out.push(`${a} ${args[i + 2]}`);
    if (a === '--tmpfs') out.push(`--tmpfs ${args[i + 1]}`);
  }
  return out;
}

describe('bwrapArgs', () => {
  test('drops every capability, unshares the network, dies with its parent', () => {
    const a = bwrapArgs({ ...base, hide: [] });
    for (const flag of ['--unshare-net', '--unshare-user', '--unshare-pid', '--die-with-parent', '--new-session']) assert.ok(a.includes(flag), flag);
    assert.deepEqual(a.slice(a.indexOf('--cap-drop'), a.indexOf('--cap-drop') + 2), ['--cap-drop', 'ALL']);
    assert.deepEqual(a.slice(-2), ['--chdir', '/work/project']);
  });

  test('hides come after the binds they cover; a hidden folder covers what is inside it', () => {
    const a = bwrapArgs({
      ...base,
      hide: [
        { path: '/work/project/.sluice', dir: true },
        { path: '/work/project/.sluice/master.key', dir: false },
        { path: '/etc/sluice/sluice.yaml', dir: false },
      ],
    });
    assert.deepEqual(ops(a), [
      '--ro-bind /',
      '--tmpfs /tmp',
      '--tmpfs /run',
      '--bind /work/project',
      '--ro-bind /run/sluice/trust',
      '--ro-bind /run/sluice/run',
      '--tmpfs /work/project/.sluice',
      '--ro-bind /etc/sluice/sluice.yaml',
    ]);
  });

  test('a path under the private /tmp is not mounted over, unless a bind shows it again', () => {
    const a = bwrapArgs({
      ...base,
      cwd: '/tmp/agent',
      hide: [
        { path: '/tmp/data', dir: true },
        { path: '/tmp/agent/.sluice', dir: true },
      ],
    });
    assert.ok(!ops(a).includes('--tmpfs /tmp/data'));
    assert.ok(ops(a).includes('--tmpfs /tmp/agent/.sluice'));
  });
});

describe('visible', () => {
  test('the deepest mount decides', () => {
    assert.equal(visible('/etc/x', []), true);
    assert.equal(visible('/tmp/x', []), false);
    assert.equal(visible('/tmp/x/y', ['/tmp/x']), true);
    assert.equal(visible('/tmpfoo', []), true);
    assert.equal(visible('/run/user/0/bus', ['/home/me']), false);
  });
});
