import type { QuarantineEntry, StopStore } from '../state/index.js';
import { printList, waitOption } from './applied.js';
import { stopCommand } from './stop-command.js';
import { durationFlag } from './duration-flag.js';
import { parseFlags, shared, STRING } from './flags.js';
import { UsageError } from '../usage-error.js';

export const help = `sluice quarantine TARGET [--for 1h] [--reason R] [--wait 5s] [--config FILE]
sluice quarantine --lift ID|TARGET [--wait 5s] [--config FILE]
sluice quarantine --list [--config FILE]

Deny a destination for every agent of every tenant at once, before the policy is
read: every running gate on this data directory refuses it (403 quarantined, the
record's rule naming the quarantine: quarantine:q7) in plain requests, CONNECT
(intercepted or passthrough) and WebSockets. Returns once every running gate has
applied it; survives a gate restart.

TARGET is a host name (evil.example), every name under a domain (*.evil.example),
an IP address or a CIDR (203.0.113.0/24, 2001:db8::/32); IPv4-mapped IPv6 is the
IPv4 it carries, names are read as the gate reads hosts (case, IDNA, trailing dot).
A name is matched by name: quarantine the addresses too to refuse an IP literal.

  --for D      lift it by itself after D (e.g. 30m, 1h); default: until --lift
  --reason R   why (in the refusal's text and in --list)
  --lift X     lift the quarantine with id X (q7), or every one on target X
  --list       print the quarantines in force (expired ones are gone)
  --wait D     how long to wait for running gates to apply it (default 5s); if one
               has not, it stays recorded, the gates are named and the exit code is 3`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    ...shared('config'),
    for: STRING,
    reason: STRING,
    wait: STRING,
    lift: STRING,
    list: { type: 'boolean', default: false },
  });
  const adding = positionals.length > 0;
  if (positionals.length > 1) throw new UsageError(`one target at a time; got ${positionals.length}`);
  if ([adding, values.lift !== undefined, values.list].filter(Boolean).length !== 1) throw new UsageError('give a TARGET, --lift ID|TARGET or --list');
  if (!adding && (values.for !== undefined || values.reason !== undefined)) throw new UsageError('--for and --reason go with a TARGET');
  if (values.list && values.wait !== undefined) throw new UsageError('--list takes no --wait');
  const forMs = values.for === undefined ? null : durationFlag('--for', values.for).ms;
  return stopCommand(
    'quarantine',
    values.config,
    waitOption(values.wait),
    (stops) => {
      if (values.list) return Promise.resolve(printList(stops.quarantines(), 'no quarantine in force', (q) => `q${q.id}\t${describe(q)}`));
      return adding ? add(stops, positionals[0] ?? '', forMs, values.reason ?? null) : lift(stops, values.lift ?? '');
    },
    (err) => (err.field === 'target' ? err.message.slice('target: '.length) : `--${err.message}`),
  );
}

async function add(stops: StopStore, target: string, forMs: number | null, reason: string | null): Promise<QuarantineEntry> {
  const q = await stops.quarantine({ target, reason, forMs });
  process.stdout.write(`quarantined ${describe(q)}\n`);
  return q;
}

async function lift(stops: StopStore, what: string): Promise<{ id: string } | null> {
  const lifted = await stops.lift(what);
  if (lifted === null) {
    process.stderr.write(`sluice quarantine: no quarantine in force under '${what}', so nothing was lifted; 'sluice quarantine --list' shows what is\n`);
    return null;
  }
  for (const q of lifted.lifted) process.stdout.write(`lifted ${describe(q)}\n`);
  return lifted;
}

function describe(q: QuarantineEntry): string {
  const until = q.expiresAt === null ? 'until lifted' : `until ${new Date(q.expiresAt).toISOString()}`;
  return `${q.target} as q${q.id} (${until}${q.reason === null ? '' : `; reason: ${q.reason}`})`;
}
