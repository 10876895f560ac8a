/**
 * What the comparison needs on the machine: the contenders (tinyproxy, Squid with
 * OpenSSL for ssl-bump, mitmproxy), the load generator (wrk), the upstream (nginx)
 * and curl. Missing ones are installed with apt-get when running as root; anything
 * still missing afterwards makes its contender "unavailable" with the reason, never a
 * made-up figure. proxy-chain comes from npm into a throwaway prefix at run time, so it
 * never becomes a dependency of Sluice.
 *
 * @example
 * const tools = await ensureTools(kids, { install: true });
 * if (!tools.has('wrk')) console.log(tools.why('wrk'));
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Children } from '../children.js';

/** A program the harness runs, and the Debian package that provides it. */
const PROGRAMS: Record<string, string> = {
  tinyproxy: 'tinyproxy',
  // Debian's plain `squid` is built with GnuTLS and cannot ssl-bump; squid-openssl can.
  squid: 'squid-openssl',
  mitmdump: 'mitmproxy',
  wrk: 'wrk',
  nginx: 'nginx-light',
  curl: 'curl',
};

export class Tools {
  readonly #paths = new Map<string, string>();
  readonly #missing = new Map<string, string>();
  /** `squid -v` mentions --with-openssl (ssl-bump possible). */
  squidBump = false;
  squidVersion = '';
  proxyChainDir: string | undefined;

  set(name: string, path: string): void {
    this.#paths.set(name, path);
    this.#missing.delete(name);
  }
  miss(name: string, why: string): void {
    this.#missing.set(name, why);
  }
  has(name: string): boolean {
    return this.#paths.has(name);
  }
  path(name: string): string {
    const p = this.#paths.get(name);
    if (p === undefined) throw new Error(`${name} unavailable: ${this.why(name)}`);
    return p;
  }
  why(name: string): string {
    return this.#missing.get(name) ?? 'not found';
  }
}

async function which(kids: Children, name: string): Promise<string | undefined> {
  // nginx and squid live in /usr/sbin, which a non-root PATH may lack.
  const r = await kids.run('sh', ['-c', `PATH="$PATH:/usr/sbin:/sbin"; command -v "$1"`, 'sh', name], 10_000);
  const p = r.stdout.trim();
  return r.code === 0 && p !== '' ? p : undefined;
}

/**
 * Find every program; with `install` and root, apt-get the missing ones (printing the
 * command and its outcome). Then fetch proxy-chain from npm into `scratch`.
 */
export async function ensureTools(kids: Children, opts: { install: boolean; scratch: string; log: (s: string) => void }): Promise<Tools> {
  const tools = new Tools();
  const look = async (): Promise<string[]> => {
    const missing: string[] = [];
    for (const name of Object.keys(PROGRAMS)) {
      const p = await which(kids, name);
      if (p) tools.set(name, p);
      else missing.push(name);
    }
    return missing;
  };
  let missing = await look();
  if (missing.length > 0) {
    const pkgs = [...new Set(missing.map((m) => PROGRAMS[m]!))];
    const root = process.getuid?.() === 0;
    if (opts.install && root) {
      opts.log(`installing from Debian: apt-get install -y ${pkgs.join(' ')}`);
      const up = await kids.run('apt-get', ['update'], 600_000);
      if (up.code !== 0) opts.log(`apt-get update failed (${up.code}): ${up.stderr.trim().split('\n').slice(-3).join(' ')}`);
      // One package at a time so one that is unavailable does not block the others.
      for (const pkg of pkgs) {
        const r = await kids.run('sh', ['-c', 'DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$1"', 'sh', pkg], 900_000);
        opts.log(`  ${pkg}: ${r.code === 0 ? 'installed' : `failed (${r.code}): ${r.stderr.trim().split('\n').slice(-2).join(' ')}`}`);
        if (r.code !== 0)
          for (const m of missing) if (PROGRAMS[m] === pkg) tools.miss(m, `apt-get install ${pkg} failed: ${r.stderr.trim().split('\n').pop() ?? ''}`);
      }
      missing = await look();
    } else {
      for (const m of missing) tools.miss(m, `${m} not installed (${root ? 'run without --no-install' : 'not root'}: apt-get install ${PROGRAMS[m]})`);
    }
  }
  if (tools.has('squid')) {
    const v = await kids.run(tools.path('squid'), ['-v'], 10_000);
    tools.squidVersion = /Version (\S+)/.exec(v.stdout)?.[1] ?? '?';
    tools.squidBump = v.stdout.includes('--with-openssl');
  }
  await installProxyChain(kids, tools, opts);
  return tools;
}

async function installProxyChain(kids: Children, tools: Tools, opts: { scratch: string; log: (s: string) => void }): Promise<void> {
  const prefix = join(opts.scratch, 'proxy-chain');
  const r = await kids.run('npm', ['install', '--silent', '--no-audit', '--no-fund', '--prefix', prefix, 'proxy-chain'], 300_000);
  const pkg = join(prefix, 'node_modules', 'proxy-chain', 'package.json');
  if (r.code === 0 && existsSync(pkg)) {
    tools.proxyChainDir = prefix;
    tools.set('proxy-chain', prefix);
  } else {
    tools.miss('proxy-chain', `npm install proxy-chain failed (${r.code}): ${r.stderr.trim().split('\n').slice(-2).join(' ')}`);
  }
  opts.log(`proxy-chain from npm: ${tools.has('proxy-chain') ? 'installed in a temporary prefix' : tools.why('proxy-chain')}`);
}
