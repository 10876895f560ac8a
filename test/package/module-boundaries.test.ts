/**
 * The module-boundaries lint rule (lint/module-boundaries.js, its table in
 * eslint.config.js) fires on the imports DESIGN.md's module map forbids, and only
 * on those. Snippets are linted as if they were files of src/, with the real table.
 */
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RULE = 'sluice/module-boundaries';

describe('module boundaries (DESIGN.md, "Module map") as a lint rule', () => {
  let eslint: ESLint;

  before(async () => {
    const config = (await import(new URL('eslint.config.js', `file://${ROOT}`).href)) as { moduleBoundaries: Linter.Config };
    // Only the boundaries rule, with the real table: fast, and no type information needed.
    eslint = new ESLint({
      cwd: ROOT,
      overrideConfigFile: true,
      overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, config.moduleBoundaries],
    });
  });

  /** The boundary messages for `code` as the file `file` (relative to the repository). */
  async function lint(file: string, code: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) });
    assert.ok(result);
    assert.deepEqual(
      result.messages.filter((m) => m.ruleId !== RULE),
      [],
    );
    return result.messages.map((m) => m.message);
  }

  test('the repository config applies the rule, as an error, to every file of src/', async () => {
    const real = new ESLint({ cwd: ROOT });
    for (const file of ['src/policy/decide.ts', 'src/index.ts', 'src/proxy/gate.ts']) {
      const config = (await real.calculateConfigForFile(join(ROOT, file))) as Linter.Config;
      const setting = config.rules?.[RULE];
      assert.ok(Array.isArray(setting), `${file}: ${RULE} is not configured`);
      assert.ok(setting[0] === 'error' || setting[0] === 2, `${file}: ${RULE} is not an error`);
    }
  });

  test('policy/ and inspect/ may not import I/O: node modules, the gate, stores, the trail', async () => {
    const fs = await lint('src/policy/probe.ts', "import { readFile } from 'node:fs/promises';\n");
    assert.equal(fs.length, 1);
    assert.match(fs[0]!, /src\/policy\/ must not import 'node:fs\/promises': policy\/ does no I\/O/);
    assert.equal((await lint('src/policy/probe.ts', "import { readFileSync } from 'fs';\n")).length, 1);
    assert.equal((await lint('src/policy/probe.ts', "import type { Gate } from '../proxy/gate.js';\n")).length, 1);
    assert.equal((await lint('src/inspect/dlp/probe.ts', "export { openRevocationStore } from '../../state/index.js';\n")).length, 1);
    assert.equal((await lint('src/inspect/probe.ts', "const cp = await import('node:child_process');\nexport { cp };\n")).length, 1);
    assert.equal((await lint('src/inspect/probe.ts', "import { Resolver } from '../net/resolve.js';\n")).length, 1);
    assert.equal((await lint('src/inspect/probe.ts', "import { AuditTrail } from '../audit/trail.js';\n")).length, 1);
    // Pure neighbours are fine; inspect/mcp/ is not mcp/ (the specifier is resolved, not pattern-matched).
    assert.deepEqual(await lint('src/policy/probe.ts', "import { parseIp } from '../net/ip.js';\nimport { createHash } from 'node:crypto';\n"), []);
    assert.deepEqual(await lint('src/inspect/dlp/probe.ts', "import { parseJsonRpc } from '../mcp/jsonrpc.js';\n"), []);
  });

  test('identity/ does not know HTTP; mcp/ does not import proxy/; state/ does not import inspect/', async () => {
    assert.match((await lint('src/identity/probe.ts', "import type { IncomingMessage } from 'node:http';\n"))[0] ?? '', /identity\/ does not know about HTTP/);
    assert.equal((await lint('src/mcp/probe.ts', "import { Gate } from '../proxy/gate.js';\n")).length, 1);
    assert.equal((await lint('src/mcp/stdio/probe.ts', "import { Gate } from '../../proxy/index.js';\n")).length, 1);
    assert.equal((await lint('src/state/probe.ts', "import { DlpScanner } from '../inspect/dlp/scanner.js';\n")).length, 1);
  });

  test('config/ may parse addresses with node:net, but not open a socket or resolve', async () => {
    assert.deepEqual(await lint('src/config/probe.ts', "import { isIP } from 'node:net';\n"), []);
    assert.equal((await lint('src/config/probe.ts', "import { connect } from 'node:net';\n")).length, 1);
    assert.equal((await lint('src/config/probe.ts', "import * as net from 'node:net';\nexport { net };\n")).length, 1);
    assert.equal((await lint('src/config/probe.ts', "import { lookup } from 'node:dns/promises';\n")).length, 1);
  });

  test('nothing outside cli/ imports cli/; cli/ itself may', async () => {
    assert.match((await lint('src/net/probe.ts', "import { run } from '../cli/start.js';\n"))[0] ?? '', /must not import src\/cli\/start/);
    assert.equal((await lint('src/index.ts', "export { run } from './cli/start.js';\n")).length, 1);
    assert.deepEqual(await lint('src/cli/probe.ts', "import { UsageError } from './usage-error.js';\n"), []);
  });

  test('credentials/ does not log; admin/ does not reach into proxy/', async () => {
    assert.equal((await lint('src/credentials/probe.ts', "import { createLogger } from '../logger.js';\n")).length, 1);
    assert.equal((await lint('src/credentials/probe.ts', "import pino from 'pino';\nexport { pino };\n")).length, 1);
    assert.equal((await lint('src/admin/probe.ts', "import { Gate } from '../proxy/gate.js';\n")).length, 1);
  });

  test('a named exception covers its one file and target, and says when it is no longer needed', async () => {
    // The table lists no exception today; this one is added to a copy of it.
    const config = (await import(new URL('eslint.config.js', `file://${ROOT}`).href)) as { moduleBoundaries: Linter.Config };
    const rules = structuredClone(config.moduleBoundaries.rules) as Record<string, ['error', { exceptions: object[] }]>;
    rules[RULE]![1].exceptions.push({ file: 'src/launcher/run-user.ts', target: 'cli/usage-probe.ts', why: 'a test' });
    const withException = new ESLint({
      cwd: ROOT,
      overrideConfigFile: true,
      overrideConfig: [
        { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } },
        { ...config.moduleBoundaries, rules },
      ],
    });
    const lintWith = async (file: string, code: string): Promise<string[]> => {
      const [result] = await withException.lintText(code, { filePath: join(ROOT, file) });
      assert.ok(result);
      return result.messages.map((m) => m.message);
    };
    // src/launcher/run-user.ts may import cli/usage-probe.ts (the exception) ...
    assert.deepEqual(await lintWith('src/launcher/run-user.ts', "import { probe } from '../cli/usage-probe.js';\nexport { probe };\n"), []);
    // ... but nothing else of cli/, and another file of launcher/ may not import it at all.
    const other = await lintWith(
      'src/launcher/run-user.ts',
      "import { probe } from '../cli/usage-probe.js';\nimport { main } from '../cli/main.js';\nexport { probe, main };\n",
    );
    assert.equal(other.length, 1);
    assert.equal((await lintWith('src/launcher/bwrap-args.ts', "import { probe } from '../cli/usage-probe.js';\nexport { probe };\n")).length, 1);
    // Once the file no longer needs it, the exception is reported, so it cannot outlive its fix.
    const stale = await lintWith('src/launcher/run-user.ts', 'export const x = 1;\n');
    assert.equal(stale.length, 1);
    assert.match(stale[0]!, /exception for src\/launcher\/run-user\.ts importing cli\/usage-probe\.ts is no longer needed/);
  });

  test('the real table lists no exception: launcher/ no longer borrows from cli/', async () => {
    const config = (await import(new URL('eslint.config.js', `file://${ROOT}`).href)) as { moduleBoundaries: Linter.Config };
    const rules = config.moduleBoundaries.rules as Record<string, ['error', { exceptions: object[] }]>;
    assert.deepEqual(rules[RULE]![1].exceptions, []);
    assert.equal((await lint('src/launcher/run-user.ts', "import { UsageError } from '../cli/usage-error.js';\nexport { UsageError };\n")).length, 1);
  });
});
