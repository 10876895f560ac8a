/**
 * `sluice mcp accept SERVER [--tenant T]` and `sluice mcp pins [SERVER]`: the
 * operator's side of the rug-pull guard. Pins live in the data dir's state.db,
 * shared with the gate and every `sluice mcp` wrapper, so an accept takes effect
 * at the next tools/list, without a restart.
 */
import { loadConfig } from '../config/load.js';
import { openRuntime } from '../runtime/index.js';
import type { PinnedTool } from '../state/tool-pins.js';
import { BUSY_TIMEOUT_MS } from '../state/sqlite-db.js';
import { configPath } from './paths.js';
import { UsageError } from '../usage-error.js';

/**
 * Accept every changed definition waiting for SERVER (for one tenant, or all).
 * Exit 0; 1 when nothing is pinned for SERVER at all (a misspelt name).
 *
 * @example
 * await acceptPins(['tickets'], { config: 'sluice.yaml' }); // prints "accepted tickets.create (tenant acme) on tickets: 3f1c2a7b… → 9d0e4b21…"
 */
export async function acceptPins(positionals: readonly string[], flags: { config?: string | undefined; tenant?: string | undefined }): Promise<number> {
  const [server, ...extra] = positionals;
  if (server === undefined) throw new UsageError("expected 'sluice mcp accept SERVER [--tenant T]'");
  if (extra.length > 0) throw new UsageError(`'sluice mcp accept' takes one server name; got also '${text(extra[0]!)}'`);
  const { pins } = await openRuntime(await loadConfig(configPath(flags.config)), { need: ['pins'], pins: { busyTimeoutMs: BUSY_TIMEOUT_MS } });
  try {
    const accepted = await pins.accept(server, flags.tenant);
    for (const a of accepted) {
      process.stdout.write(`accepted ${text(a.tool)} (tenant ${text(a.tenant)}) on ${text(a.server)}: ${short(a.previousHash)} → ${short(a.hash)}\n`);
    }
    if (accepted.length > 0) return 0;
    const all = await pins.list();
    const known = all.some((p) => p.server === server && (flags.tenant === undefined || p.tenant === flags.tenant));
    const who = flags.tenant === undefined ? '' : ` for tenant '${text(flags.tenant)}'`;
    if (known) {
      process.stdout.write(`no changed tool definitions waiting for server '${text(server)}'${who}\n`);
      return 0;
    }
    const servers = [...new Set(all.map((p) => p.server))];
    process.stderr.write(
      `sluice: nothing is pinned for server '${text(server)}'${who} (${servers.length === 0 ? 'no server has pins yet' : `pinned servers: ${servers.map(text).join(', ')}`})\n`,
    );
    return 1;
  } finally {
    await pins.close();
  }
}

/**
 * Print the pins (one server, or all) and the changes waiting for an accept.
 *
 * @example
 * await listPins([], {}); // SERVER  TENANT  TOOL  PINNED  STATUS ...
 */
export async function listPins(positionals: readonly string[], flags: { config?: string | undefined; tenant?: string | undefined }): Promise<number> {
  const [server, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`'sluice mcp pins' takes at most one server name; got also '${text(extra[0]!)}'`);
  const { pins } = await openRuntime(await loadConfig(configPath(flags.config)), { need: ['pins'], pins: { busyTimeoutMs: BUSY_TIMEOUT_MS } });
  let rows: PinnedTool[];
  try {
    rows = (await pins.list(server)).filter((r) => flags.tenant === undefined || r.tenant === flags.tenant);
  } finally {
    await pins.close();
  }
  if (rows.length === 0) {
    process.stdout.write(server === undefined ? 'no tools are pinned\n' : `no tools are pinned for server '${text(server)}'\n`);
    return 0;
  }
  const table = [
    ['SERVER', 'TENANT', 'TOOL', 'PINNED', 'STATUS'],
    ...rows.map((r) => [text(r.server), text(r.tenant), text(r.tool), short(r.hash), status(r)]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  for (const row of table) process.stdout.write(`${row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}\n`);
  const waiting = new Set(rows.filter((r) => r.pending !== null).map((r) => r.server));
  for (const s of waiting) process.stdout.write(`changed definitions of ${text(s)} are blocked until: sluice mcp accept ${text(s)}\n`);
  return 0;
}

function status(r: PinnedTool): string {
  const when = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString());
  if (r.pending) return `CHANGED ${short(r.pending.hash)} seen ${when(r.pending.seenAt)}, waiting for accept`;
  return r.acceptedAt === null ? `pinned ${when(r.firstSeen)}` : `accepted ${when(r.acceptedAt)}`;
}

function short(hash: string | null): string {
  return hash === null ? '-' : `${hash.slice(0, 8)}…`;
}

/** Names come from MCP servers: control characters must not rewrite the operator's terminal. */
function text(v: string): string {
  // eslint-disable-next-line no-control-regex
  return v.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
