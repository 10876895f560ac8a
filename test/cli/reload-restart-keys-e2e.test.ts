/**
 * Reload honesty, from outside a running `sluice start`: an edit to a setting read
 * only at start (tls.upstream_ca, limits) is named on the human reload line as not
 * applied; an edit to the log level takes effect; SIGHUP with the file unchanged says so.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { initDir, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { waitFor, waitForStderr } from '../helpers/cli-e2e.js';
import { upstreamPki } from '../helpers/pki.js';

describe('reload e2e: what a reload did not apply is said on the human line', () => {
  let d: InitDir;
  let gate: CliGate;
  let base: string;

  before(async () => {
    d = await initDir('  - id: a-read\n    hosts: [a.acme.test]\n');
    base = await readFile(d.configFile, 'utf8');
    gate = await startCliGate(d.configFile);
  });
  after(async () => {
    await gate?.stop();
  });

  test('SIGHUP with an unchanged file says the config is unchanged', async () => {
    const from = gate.stderr().length;
    gate.child.kill('SIGHUP');
    await waitForStderr(gate, /^sluice: config unchanged \(SIGHUP\): still serving version [0-9a-f]{12}$/m, from);
  });

  test('adding tls.upstream_ca and a limit: the reload line is followed by the keys that need a restart', async () => {
    const pki = await upstreamPki();
    const from = gate.stderr().length;
    await writeFile(d.configFile, `${base}tls:\n  upstream_ca: ${pki.caFile}\nlimits:\n  max_connections: 900\n`);
    await waitForStderr(gate, /^sluice: policy reloaded \(file changed\): version \S+, 1 rule\(s\)$/m, from);
    await waitForStderr(
      gate,
      /^sluice: NOT applied until a restart \(the gate still uses the values it started with\): limits\.max_connections, tls\.upstream_ca$/m,
      from,
    );
  });

  test('log.level is applied by the reload (info lines stop) and is not listed as needing a restart', async () => {
    const jsonSince = (from: number, msg: RegExp): number =>
      gate
        .stderr()
        .slice(from)
        .split('\n')
        .filter((l) => l.startsWith('{') && msg.test(l)).length;
    // At info, a reload writes its JSON line: the check below can fail. The log is written
    // asynchronously, so the JSON line may follow the human one the last test waited for.
    await waitForStderr(gate, /"msg":"policy reloaded"/, 0);
    assert.ok(jsonSince(0, /"msg":"policy reloaded"/) >= 1, gate.stderr());
    const from = gate.stderr().length;
    const text = await readFile(d.configFile, 'utf8');
    assert.match(text, /^ {2}level: info /m, 'the starter sets log.level: info');
    await writeFile(d.configFile, text.replace(/^ {2}level: info /m, '  level: warn '));
    const line = await waitForStderr(gate, /^sluice: NOT applied until a restart[^\n]*$/m, from);
    assert.doesNotMatch(line[0], /log\.level/);
    // A second reload: its warn line comes after anything the first one wrote.
    await writeFile(d.configFile, (await readFile(d.configFile, 'utf8')).replace('  - id: a-read\n', '  - id: a-read2\n'));
    await waitForStderr(gate, /^sluice: policy reloaded \(file changed\): version \S+, 1 rule\(s\)$/m, from);
    await waitFor("the second reload's warn line", () => (jsonSince(from, /tls\.upstream_ca/) >= 2 ? true : undefined));
    assert.equal(jsonSince(from, /"msg":"policy reloaded"/), 0, gate.stderr().slice(from));
  });
});
