/**
 * How `sluice run` starts its command: isolated in a bubblewrap sandbox whose only
 * network path is the gate (the default where the host allows it), or directly with
 * the proxy variables (--no-isolate, or a host that cannot isolate, said on stderr).
 * Either way the command gets the client environment (launcher/client-vars.ts) with
 * trust files in a folder of the run's own, and none of the operator's secrets.
 */
import { chmod, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadedConfig } from '../config/load.js';
import { agentEnv } from './agent-env.js';
import { spawnWrapped } from './spawn-child.js';
import { startSandboxed } from './sandbox-process.js';
import { trustDir } from './trust-dir.js';
import { UsageError } from '../usage-error.js';
import { bwrapArgs, INSIDE_RUN_DIR, INSIDE_TRUST_DIR } from './bwrap-args.js';
import { writeClientFiles } from './client-files.js';
import { openGateBridge, type GateBridge } from './gate-bridge.js';
import { hiddenAbove, hiddenPaths } from './hidden-paths.js';
import { operatorSecrets } from './operator-secrets.js';
import { describeEnv } from './print-env.js';
import { lookupUser, type RunUser } from './run-user.js';
import { isolationSupport } from './sandbox-support.js';

/** What the gate session gives the launcher (cli/gate-session.ts). */
export interface LaunchSession {
  /** The operator's config, when this user can read it; null for an agent user. */
  loaded: LoadedConfig | null;
  /** The gate's CA certificate (PEM file). */
  caCert: string;
  /** The control socket path (hidden in the sandbox). */
  control: string;
}

export interface LaunchFlags {
  /** true: --isolate (fail when the host cannot); false: --no-isolate; undefined: isolate if the host can. */
  isolate?: boolean | undefined;
  user?: string | undefined;
  /** Extra writable paths inside the sandbox. */
  rw?: readonly string[] | undefined;
  quiet?: boolean | undefined;
}

export interface Launch {
  isolated: boolean;
  /** The command's environment. */
  env: NodeJS.ProcessEnv;
  /** What the run sets and removes, one variable a line, the token masked. */
  describe(): string;
  /** Start the command; resolves with its exit status. */
  run(label: string, cmd: string, args: readonly string[]): Promise<number>;
  /** Remove the run's folder and stop the bridge. Idempotent. */
  close(): Promise<void>;
}

/** Where package managers keep caches in the sandbox (npm fails outright on a read-only ~/.npm). */
const SANDBOX_CACHES: Readonly<Record<string, string>> = { npm_config_cache: '/tmp/.npm', XDG_CACHE_HOME: '/tmp/.cache' };

/** The relay's port in the sandbox when the gate listens on a port below 1024. */
const INSIDE_FALLBACK_PORT = 8877;

const RELAY = fileURLToPath(new URL('./inside-relay.js', import.meta.url));
const PACKAGE_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * @example
 * const launch = await prepareLaunch(session, session.env, { isolate: undefined });
 * try { return await launch.run('sluice run', 'curl', [url]); } finally { await launch.close(); }
 */
export async function prepareLaunch(session: LaunchSession, sessionEnv: NodeJS.ProcessEnv, flags: LaunchFlags): Promise<Launch> {
  const user = flags.user !== undefined ? await lookupUser(flags.user) : undefined;
  const bwrap = await chooseIsolation(flags, user);
  const isolated = bwrap !== undefined;
  const proxyUrl = sessionEnv.HTTPS_PROXY;
  if (!proxyUrl) throw new Error('prepareLaunch: the session environment has no HTTPS_PROXY');
  const gate = new URL(proxyUrl);
  const trustFolder = await trustDir(session.caCert);
  const trust = await writeClientFiles(trustFolder, isolated ? INSIDE_TRUST_DIR : trustFolder, session.caCert);
  let runDir: string | undefined;
  let bridge: GateBridge | undefined;
  const close = async (): Promise<void> => {
    await bridge?.close();
    bridge = undefined;
    if (runDir) await rm(runDir, { recursive: true, force: true });
  };
  try {
    // The config's files when this user can read it; the control socket always (through
    // it, a process of this user could ask for another identity).
    const secrets = session.loaded ? operatorSecrets(session.loaded) : { paths: [], envNames: [] };
    secrets.paths.push(session.control);
    secrets.envNames.push('SLUICE_CONTROL');
    const inside = new URL(proxyUrl);
    // The sandbox's loopback has only the relay: IPv4 whatever the gate's own address, and
    // the gate's port unless it is a privileged one (the relay has no capability to bind it).
    if (isolated) {
      inside.hostname = '127.0.0.1';
      if (Number(inside.port || 80) < 1024) inside.port = String(INSIDE_FALLBACK_PORT);
    }
    const url = inside.href.replace(/\/$/, '');
    const env = agentEnv(process.env, url, trust, secrets.envNames);
    // Whatever else the session put in its environment (and agentEnv did not) stays.
    for (const [k, v] of Object.entries(sessionEnv)) if (!(k in process.env) && !(k in env)) env[k] = v;
    if (user) Object.assign(env, { HOME: user.home, USER: user.name, LOGNAME: user.name });
    // $HOME is read-only in the sandbox; caches go to its private /tmp unless the user chose a place.
    if (isolated) for (const [k, v] of Object.entries(SANDBOX_CACHES)) env[k] ??= v;
    const ids = user ? { uid: user.uid, gid: user.gid } : {};
    let start = (label: string, cmd: string, args: readonly string[]): Promise<number> =>
      spawnWrapped(label, cmd, args, { stdio: 'inherit', env, ...ids }).exited;
    if (isolated) {
      runDir = await mkdtemp(join(tmpdir(), 'sluice-run-'));
      await chmod(runDir, 0o755);
      const cwd = await realpath(process.cwd());
      const hide = await hiddenPaths(secrets.paths, user);
      const over = hiddenAbove(cwd, hide);
      if (over) throw new UsageError(`the working directory ${cwd} is inside ${over}, which the sandbox hides; run from another folder`);
      const blankFile = join(runDir, '.blank');
      await writeFile(blankFile, '', { mode: 0o000 });
      await chmod(blankFile, 0o000);
      bridge = await openGateBridge(join(runDir, 'gate.sock'), { host: gate.hostname.replace(/^\[|\]$/g, ''), port: Number(gate.port || 80) });
      const writable = await Promise.all(
        (flags.rw ?? []).map((p) =>
          realpath(resolve(p)).catch(() => {
            throw new UsageError(`--rw ${p}: no such file or folder`);
          }),
        ),
      );
      const sandbox = bwrapArgs({ cwd, writable, readOnly: codePaths(), trustDir: trustFolder, runDir, blankFile, hide });
      const port = inside.port || '80';
      const relay = [process.execPath, RELAY, port, `${INSIDE_RUN_DIR}/gate.sock`];
      start = (label, cmd, args) => startSandboxed(label, bwrap, [...sandbox, '--info-fd', '3', '--', ...relay, cmd, ...args], env, ids);
    }
    return {
      isolated,
      env,
      describe: () => describeEnv(process.env, env, isolated),
      run: start,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }

  /** The bwrap to run, or undefined for a direct run. */
  async function chooseIsolation(f: LaunchFlags, u: RunUser | undefined): Promise<string | undefined> {
    if (f.isolate === false) return undefined;
    const support = await isolationSupport(u ? { uid: u.uid, gid: u.gid } : undefined);
    if (support.ok) return support.bwrap;
    if (f.isolate === true) throw new UsageError(`--isolate: ${support.why}`);
    if (!f.quiet) {
      process.stderr.write(
        `sluice run: NOT isolated: ${support.why}. The command keeps the host's network and files; ` +
          `only clients that honour the proxy variables go through the gate. Pass --no-isolate to say this is intended.\n`,
      );
    }
    return undefined;
  }
}

/** Node and Sluice's own code (the relay, the preload and its packages), which the sandbox must be able to run. */
function codePaths(): string[] {
  const req = createRequire(import.meta.url);
  const modules = ['undici', 'http-proxy-agent', 'https-proxy-agent'].map((m) => {
    const p = req.resolve(m);
    const i = p.lastIndexOf(`${sep}node_modules${sep}`);
    return i === -1 ? dirname(p) : p.slice(0, i + '/node_modules'.length);
  });
  return [...new Set([dirname(process.execPath), PACKAGE_ROOT.replace(/\/$/, ''), ...modules])];
}
