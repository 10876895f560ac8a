/**
 * The README's MCP tool rules example, read from the README itself: it loads as
 * written, decides as the prose says, and the `sluice explain` output shown is
 * what the explain formatter prints for it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { formatTrace } from '../../src/cli/explain.js';
import { formatToolExplanation, serverFromArg } from '../../src/cli/explain-tool.js';
import { parseConfig } from '../../src/config/load.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { decideTool, isToolListed } from '../../src/policy/decide-tool.js';
import { explainTool } from '../../src/policy/explain-tool.js';
import { mcpServerFor } from '../../src/policy/mcp-servers.js';
import type { McpServerRef } from '../../src/policy/tool-types.js';
import { who } from './helpers.js';

// dist/test/policy/ → the repository's README.md
const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('### MCP tool rules'), readme.indexOf('### Credentials'));
const blocks = [...section.matchAll(/```(yaml)?\n([\s\S]*?)```/g)].map((m) => m[2]!);
const [yaml, shown] = blocks as [string, string];
const loaded = parseConfig(`version: 1\n${yaml}`, '/etc/sluice/sluice.yaml');
const policy = compilePolicy(loaded.config.rules, loaded.version, loaded.config.routes, loaded.config.mcp);

void test('the README MCP example loads: one HTTP rule for the server, three tool rules', () => {
  assert.deepEqual(
    policy.rules.map((r) => r.id),
    ['tickets-mcp'],
  );
  assert.deepEqual(
    policy.mcp.rules.map((r) => r.id),
    ['tickets-create', 'tickets-no-delete', 'fs-workspace'],
  );
});

void test('the README MCP example decides as its prose says', () => {
  const tickets = mcpServerFor('mcp.tickets.example', '/mcp', policy);
  assert.deepEqual(tickets, { host: 'mcp.tickets.example', name: 'tickets' });
  const coder = who('coder', 'default');
  const rule = (tool: string, args: unknown = {}, w = coder, server: McpServerRef = tickets): string => decideTool({ server, tool, args }, w, policy).rule;
  assert.equal(rule('tickets.create'), 'tickets-create');
  assert.equal(rule('tickets.delete'), 'tickets-no-delete');
  assert.equal(rule('tickets.update'), 'default-deny', 'no tool rule matches: denied');
  const fs = { host: 'eu.fs.internal' };
  assert.equal(rule('fs.read', { path: '/workspace/a.ts' }, coder, fs), 'fs-workspace');
  assert.equal(rule('fs.read', { path: '/workspace/../etc/passwd' }, coder, fs), 'default-deny');
  assert.equal(rule('fs.read', { path: '/workspace/a.ts' }, who('intern'), fs), 'default-deny');
  assert.equal(isToolListed(tickets, 'tickets.delete', coder, policy), false);
  assert.equal(isToolListed(fs, 'fs.read', coder, policy), true);
});

void test('the README shows what sluice explain prints for tickets.delete', () => {
  const w = { tenant: 'default', agent: 'coder', session: 'explain', human: null, labels: {} };
  const server = serverFromArg('tickets', policy);
  const text = formatToolExplanation(explainTool({ server, tool: 'tickets.delete', args: {} }, w, policy), server, 'tickets.delete', w, policy, formatTrace);
  const [command, ...output] = shown.split('\n');
  assert.equal(command, '$ sluice explain --agent coder --mcp-server tickets --tool tickets.delete');
  assert.equal(output.join('\n'), text);
});
