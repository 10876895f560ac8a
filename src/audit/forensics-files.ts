/**
 * Reading what forensics mode kept (proxy/forensics-capture.ts writes it): one JSON
 * file per exchange under `<data_dir>/forensics/<session>/`, named so that file order
 * is time order.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ForensicsExchange } from '../proxy/forensics-capture.js';
import { sessionDir } from '../proxy/forensics-capture.js';

/** Where a data directory's forensics are kept. */
export function forensicsDir(dataDir: string): string {
  return join(dataDir, 'forensics');
}

/**
 * The session's kept exchanges, oldest first; none when nothing was kept.
 *
 * @example
 * (await readForensics('/var/lib/sluice', 'ses_1')).map((e) => e.request.url);
 */
export async function readForensics(dataDir: string, session: string): Promise<ForensicsExchange[]> {
  const dir = sessionDir(forensicsDir(dataDir), session);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: ForensicsExchange[] = [];
  for (const n of names) out.push(JSON.parse(await readFile(join(dir, n), 'utf8')) as ForensicsExchange);
  return out;
}

/**
 * Sessions with kept exchanges, and how many each.
 *
 * @example
 * await keptSessions('/var/lib/sluice'); // [{ session: 'ses_1', exchanges: 12 }]
 */
export async function keptSessions(dataDir: string): Promise<{ session: string; exchanges: number }[]> {
  let dirs: string[];
  try {
    dirs = (await readdir(forensicsDir(dataDir), { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: { session: string; exchanges: number }[] = [];
  for (const d of dirs.sort()) {
    const session = d.startsWith('x-') ? Buffer.from(d.slice(2), 'hex').toString('utf8') : d;
    out.push({ session, exchanges: (await readdir(join(forensicsDir(dataDir), d))).filter((n) => n.endsWith('.json')).length });
  }
  return out;
}
