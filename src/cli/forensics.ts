import { keptSessions, readForensics } from '../audit/forensics-files.js';
import { InvalidArgumentError } from '../identity/errors.js';
import type { ForensicsExchange } from '../proxy/forensics-capture.js';
import { SqliteForensicsStore, type ForensicsEntry } from '../state/forensics.js';
import { EXIT, UsageError } from '../usage-error.js';
import { durationFlag } from './duration-flag.js';
import { dataDirFor } from './emergency-config.js';
import { parseFlags, shared, STRING } from './flags.js';
import { configPath } from './paths.js';

export const help = `sluice forensics start --session S [--for D] [--reason TEXT] [--config F]
sluice forensics stop --session S [--config F]
sluice forensics list [--config F]
sluice forensics show S [--json] [--config F]

Forensics mode for one session, for incident review: while it is on, the running gate
keeps the session's full exchanges (the request the agent sent: method, URL,
headers without its gate token, body; the response it received: status, headers,
body), each body up to 1 MiB, under <data_dir>/forensics/<session>/. Every text is
redacted by the DLP scanner before it is written, and an injected credential is never
there: the gate adds it to the upstream request, not to what the agent sent.
A running gate picks up start and stop within its poll (~100 ms).

start   record S's exchanges from now on, until stopped or for D (30m, 1h)
stop    stop recording S (what was kept stays)
list    sessions being recorded, and sessions with kept exchanges
show    S's kept exchanges, oldest first; --json prints them as a JSON array

Only plain and intercepted HTTP exchanges are kept (not the bytes of a passthrough
tunnel or WebSocket frames); a body with a content encoding is kept as its size.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    ...shared('config', 'json', 'session'),
    for: STRING,
    reason: STRING,
  });
  const sub = positionals[0];
  if (sub !== 'start' && sub !== 'stop' && sub !== 'list' && sub !== 'show') throw new UsageError(`expected start, stop, list or show\n\n${help}`);
  const dataDir = await dataDirFor(configPath(values.config), `forensics ${sub}`);
  if (sub === 'show') {
    const session = positionals[1] ?? values.session;
    if (session === undefined || positionals.length > 2) throw new UsageError('expected one session: sluice forensics show S');
    const kept = await readForensics(dataDir, session);
    if (values.json) process.stdout.write(`${JSON.stringify(kept, null, 2)}\n`);
    else if (kept.length === 0) process.stderr.write(`no exchanges kept for session ${session}\n`);
    else process.stdout.write(kept.map(formatExchange).join('\n'));
    return EXIT.ok;
  }
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
  if (sub !== 'start' && (values.for !== undefined || values.reason !== undefined)) throw new UsageError('--for and --reason go with start');
  const store = SqliteForensicsStore.open(dataDir, { watch: false });
  try {
    if (sub === 'list') {
      const active = store.list();
      const kept = await keptSessions(dataDir);
      if (active.length === 0 && kept.length === 0) process.stdout.write('no session under forensics, none kept\n');
      for (const e of active) process.stdout.write(`recording\t${describe(e)}\n`);
      for (const k of kept) process.stdout.write(`kept\t${k.session}: ${k.exchanges} exchange(s)\n`);
      return EXIT.ok;
    }
    if (values.session === undefined) throw new UsageError(`expected --session S: sluice forensics ${sub} --session S`);
    if (sub === 'start') {
      const forMs = values.for === undefined ? null : durationFlag('--for', values.for).ms;
      const e = await store.start({ session: values.session, forMs, reason: values.reason ?? null });
      process.stdout.write(`forensics on: ${describe(e)}\n`);
      return EXIT.ok;
    }
    const stopped = await store.stop(values.session);
    if (stopped === null) {
      process.stderr.write(`session ${values.session} is not under forensics\n`);
      return 1;
    }
    process.stdout.write(`forensics off: ${values.session}\n`);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw new UsageError(`--${err.message}`);
    throw err;
  } finally {
    await store.close();
  }
}

function describe(e: ForensicsEntry): string {
  const until = e.expiresAt === null ? 'until stopped' : `until ${new Date(e.expiresAt).toISOString()}`;
  return `${e.session} since ${new Date(e.at).toISOString()}, ${until}${e.reason ? ` (reason: ${e.reason})` : ''}`;
}

/**
 * One exchange as text: a heading, `>` lines for what the agent sent, `<` for what it got.
 *
 * @example
 * formatExchange(e);
 * // == 01a2… 2026-01-01T00:00:00.000Z allow (rule_allow, rule files-rw)
 * // > POST https://files.example/f
 * // > content-type: text/plain
 * // >
 * // hello
 * // < 200
 * // ...
 */
export function formatExchange(e: ForensicsExchange): string {
  const lines = [`== ${e.decision_id} ${e.time} ${e.tenant}/${e.agent} ${e.outcome ?? '-'} (${e.reason ?? '-'}${e.rule ? `, rule ${e.rule}` : ''})`];
  lines.push(`> ${e.request.method} ${e.request.url}`);
  for (const [k, v] of Object.entries(e.request.headers)) lines.push(`> ${k}: ${v}`);
  lines.push('>');
  if (e.request.body !== '') lines.push(e.request.body + (e.request.truncated ? `\n(… ${e.request.body_bytes} bytes in all)` : ''));
  lines.push(`< ${e.response.status}`);
  for (const [k, v] of Object.entries(e.response.headers)) lines.push(`< ${k}: ${v}`);
  lines.push('<');
  if (e.response.body !== '') lines.push(e.response.body + (e.response.truncated ? `\n(… ${e.response.body_bytes} bytes in all)` : ''));
  return `${lines.join('\n')}\n`;
}
