/**
 * The control tests' world: an HTTPS upstream on 127.0.0.2 named api.upstream.test,
 * a data directory from `sluice init` with one rule allowing it, and `sluice start`.
 */
import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initDir, logAuditOn, startCliGate, type CliGate, type InitDir } from '../helpers/cli.js';
import { upstreamPki } from '../helpers/pki.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

export const UPSTREAM_ADDR = '127.0.0.2';

export interface ControlWorld {
  up: Upstream;
  d: InitDir;
  /** Replaceable: a test that restarts the gate puts the new one here. */
  gate: CliGate;
  origin: string;
  /** The control socket, in a folder every local user can reach (the data dir is 0700). */
  socket: string;
  close(): Promise<void>;
}

/** `extra` is appended after the rest of the config (top-level YAML, e.g. a `control:` section's `mint:` list). */
export async function startControlWorld(controlExtra = ''): Promise<ControlWorld> {
  const pki = await upstreamPki();
  const up = await startUpstream({ tls: true, host: UPSTREAM_ADDR, names: ['api.upstream.test'] });
  const sockDir = await mkdtemp(join(tmpdir(), 'sluice-ctl-'));
  await chmod(sockDir, 0o755);
  const socket = join(sockDir, 'control.sock');
  const d = await initDir(`  - id: upstream
    hosts: [api.upstream.test]
dns:
  hosts:
    api.upstream.test: ${UPSTREAM_ADDR}
network:
  allow_private: [${UPSTREAM_ADDR}/32]
tls:
  upstream_ca: ${pki.caFile}
control:
  socket: ${socket}
${controlExtra}`);
  // Tests here count the gate's audit records on its stderr.
  await logAuditOn(d.configFile);
  const world: ControlWorld = {
    up,
    d,
    gate: await startCliGate(d.configFile),
    origin: `https://api.upstream.test:${up.port}`,
    socket,
    // The gate in the world now: a test may have replaced it (a restart).
    close: async () => {
      await world.gate.stop();
      await up.close();
    },
  };
  return world;
}
