/** One line naming every contender's version and Sluice's commit, for the table's header. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Children } from '../children.js';
import type { Tools } from './tools.js';

async function first(kids: Children, cmd: string, args: string[], pattern: RegExp): Promise<string> {
  try {
    const r = await kids.run(cmd, args, 20_000);
    return pattern.exec(`${r.stdout}\n${r.stderr}`)?.[1] ?? '?';
  } catch {
    return '?';
  }
}

export async function versions(kids: Children, tools: Tools, sluiceDir: string): Promise<string> {
  const parts: string[] = [`Node ${process.version}`];
  const rev = await first(kids, 'git', ['-C', sluiceDir, 'describe', '--always', '--dirty'], /^(\S+)/);
  parts.push(`Sluice ${rev === '?' ? sluiceDir : rev}`);
  if (tools.has('nginx')) parts.push(`nginx ${await first(kids, tools.path('nginx'), ['-v'], /nginx\/(\S+)/)}`);
  if (tools.has('tinyproxy')) parts.push(`tinyproxy ${await first(kids, tools.path('tinyproxy'), ['-v'], /tinyproxy (\S+)/)}`);
  if (tools.has('squid')) parts.push(`Squid ${tools.squidVersion}${tools.squidBump ? ' (OpenSSL)' : ''}`);
  if (tools.has('mitmdump')) parts.push(`mitmproxy ${await first(kids, tools.path('mitmdump'), ['--version'], /Mitmproxy: (\S+)/)}`);
  if (tools.proxyChainDir) {
    try {
      const pkg = JSON.parse(readFileSync(join(tools.proxyChainDir, 'node_modules', 'proxy-chain', 'package.json'), 'utf8')) as { version: string };
      parts.push(`proxy-chain ${pkg.version}`);
    } catch {
      parts.push('proxy-chain ?');
    }
  }
  if (tools.has('wrk')) parts.push(`wrk ${await first(kids, tools.path('wrk'), ['-v'], /wrk (\S+)/)}`);
  return parts.join(', ');
}
