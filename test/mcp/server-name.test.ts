import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serverNameFor } from '../../src/mcp/stdio/server-name.js';

test('a stdio server is named after its command, or what a launcher runs', () => {
  const cases: [string, string[], string | null][] = [
    ['npx', ['-y', '@modelcontextprotocol/server-everything'], 'server-everything'],
    ['npx', ['-y', '@modelcontextprotocol/server-everything@2026.8.31', 'stdio'], 'server-everything'],
    ['npx', ['--package', 'other', 'mcp-remote@0.1.2', 'https://x'], 'mcp-remote'],
    ['/usr/bin/node', ['--import', 'tsx', 'servers/github.mjs'], 'github'],
    ['node', ['node_modules/@modelcontextprotocol/server-everything/dist/index.js', 'stdio'], 'server-everything'],
    ['node', ['/srv/tools/fs-server/build/src/main.js'], 'fs-server'],
    ['uvx', ['--from', 'git+https://x', 'mcp-server-fetch'], 'mcp-server-fetch'],
    ['uvx', ['mcp-server-time==1.2'], 'mcp-server-time'],
    ['python3', ['-m', 'mcp_server_time', '--local-timezone', 'UTC'], 'mcp_server_time'],
    ['python3.12', ['./weather.py'], 'weather'],
    ['/opt/mcp/github-mcp-server', ['stdio'], 'github-mcp-server'],
    ['./bin/my server.sh', [], 'my-server'],
    ['node', [], 'node'],
    ['/opt/123', [], null],
  ];
  for (const [cmd, args, want] of cases) assert.equal(serverNameFor(cmd, args), want, `${cmd} ${args.join(' ')}`);
});
