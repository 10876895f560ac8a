import { InvalidArgumentError } from '../identity/errors.js';
import { openRuntime } from '../runtime/index.js';
import type { AuditReader, RuntimeSource } from '../runtime/index.js';
import type { RevocationEntry, RevocationKind, RevocationRequest, RevocationStore, RevocationTarget, RevocationUndo } from '../state/index.js';
import { notApplied, printList, waitOption } from './applied.js';
import { stateSourceFor } from './emergency-config.js';
import { parseOptionsOnly, shared, STRING } from './flags.js';
import { configPath } from './paths.js';
import { unseenNote } from './revoke-seen.js';
import { EXIT, UsageError } from '../usage-error.js';

export const help = `sluice revoke (--session S | --agent A | --token-id J) [--tenant T] [--reason R] [--wait 5s] [--config FILE]
sluice revoke --undo (--session S | --agent A | --token-id J) [--tenant T] [--wait 5s] [--config FILE]
sluice revoke --list [--config FILE]

Revoke agent tokens. Returns once every running gate (and 'sluice mcp' wrapper) on
this data directory has applied it: their next request of that identity is refused,
and its open exchanges (tunnels, WebSockets, streams, uploads, wrapped MCP servers)
are ended. Gates whose process is gone or silent for 5 s are not waited for.
A session or agent the audit trail has never seen is revoked all the same (it may
not have made its first request yet), with a "no such ... seen" note on stderr.
Needs only the data directory: with an invalid config it uses the config's data_dir
line (or its folder), and says the rest was ignored.

  --session S    every token of session S, permanently
  --agent A      every token of agent A issued up to now; tokens minted later work
  --token-id J   the one token whose id (jti) is J, permanently
  --tenant T     only within tenant T
  --reason R     why (kept with the revocation, shown in 'sluice revoke' output)
  --undo         lift the revocations of that session, agent or token (with that
                 --tenant, or none): says what it lifted, or exits 1 when nothing
                 was revoked under that id; running gates accept it again once this
                 returns (exchanges already ended stay ended)
  --list         print every revocation in force, oldest first
  --wait D       how long to wait for running gates to apply it (default 5s); if one
                 has not, the revocation stays recorded, the gates are named on
                 stderr and the exit code is 3`;

/** Recorded, but a live gate did not confirm it applied the revocation in time. */

const KIND_FLAGS: ReadonlyArray<[RevocationKind, 'session' | 'agent' | 'token-id']> = [
  ['session', 'session'],
  ['agent', 'agent'],
  ['token', 'token-id'],
];

export async function run(argv: string[]): Promise<number> {
  const { values } = parseOptionsOnly(argv, {
    ...shared('config', 'session', 'agent', 'tenant'),
    'token-id': STRING,
    reason: STRING,
    wait: STRING,
    list: { type: 'boolean', default: false },
    undo: { type: 'boolean', default: false },
  });
  if (values.list) {
    const other = ['session', 'agent', 'token-id', 'tenant', 'reason', 'wait'].find((k) => values[k as keyof typeof values] !== undefined);
    if (other !== undefined || values.undo) throw new UsageError(`--list takes no --${other ?? 'undo'}`);
    return list(await stateSourceFor(configPath(values.config), 'revoke'));
  }
  const given = KIND_FLAGS.filter(([, flag]) => values[flag] !== undefined);
  const chosen = given[0];
  if (given.length !== 1 || chosen === undefined) throw new UsageError('give exactly one of --session, --agent, --token-id');
  const [kind, flag] = chosen;
  const value = values[flag] ?? '';
  if (values.undo && values.reason !== undefined) throw new UsageError('--reason goes with a revocation; --undo records none');
  const wait = waitOption(values.wait);
  const source = await stateSourceFor(configPath(values.config), 'revoke');
  const { revocations: store, audit, close } = await openRuntime(source, { need: ['revocations', 'auditReader'], revocations: { watch: false } });
  let pending: string[];
  try {
    let written: { id: string } | null;
    try {
      written = values.undo
        ? await undo(store, { kind, value, tenant: values.tenant ?? null })
        : await record(store, audit.reader, { kind, value, tenant: values.tenant ?? null, reason: values.reason ?? null });
    } catch (err) {
      if (err instanceof InvalidArgumentError) throw new UsageError(`--${err.field === kind ? flag : err.field}: ${err.message.slice(err.field.length + 2)}`);
      throw err;
    }
    if (written === null) return EXIT.failed;
    pending = await store.awaitApplied(written, wait.ms);
  } finally {
    await close();
  }
  return notApplied('sluice revoke', pending, wait, 'running process(es)', `; they may ${values.undo ? 'still refuse' : 'still accept'} that identity`);
}

async function record(store: RevocationStore, trail: AuditReader, r: RevocationRequest & { tenant: string | null }): Promise<RevocationEntry> {
  const entry = await store.revoke(r);
  process.stdout.write(`${describe(entry)}\n`);
  const note = await unseenNote(trail, r.kind, r.value, entry.tenant);
  if (note !== null) process.stderr.write(`sluice revoke: note: ${note}\n`);
  return entry;
}

/** Lift and say what was lifted; null (after saying so, and where that id is revoked instead) when nothing was. */
async function undo(store: RevocationStore, t: RevocationTarget & { tenant: string | null }): Promise<RevocationUndo | null> {
  const lifted = await store.undo(t);
  for (const e of lifted?.undone ?? []) process.stdout.write(`${describeUndone(e)}\n`);
  if (lifted !== null) return lifted;
  const scope = t.tenant === null ? '' : ` in tenant ${t.tenant}`;
  const elsewhere = store.list().filter((e) => e.kind === t.kind && e.value === t.value);
  const hint = elsewhere
    .map((e) => `; it is revoked ${e.tenant === null ? 'in every tenant (leave out --tenant)' : `in tenant ${e.tenant} (add --tenant ${e.tenant})`}`)
    .join('');
  process.stderr.write(
    `sluice revoke: nothing was revoked under ${t.kind} '${t.value}'${scope}, so nothing was undone${hint}; 'sluice revoke --list' shows what is\n`,
  );
  return null;
}

function describeUndone(e: RevocationEntry): string {
  const at = new Date(e.revokedAt).toISOString();
  const scope = e.tenant === null ? '' : ` in tenant ${e.tenant}`;
  const why = e.reason === null ? '' : `; reason: ${e.reason}`;
  const tokens = e.kind === 'agent' ? `its tokens issued up to ${at}` : 'its tokens';
  return `undid the revocation of ${e.kind} ${e.value}${scope} (recorded ${at}${why}): ${tokens} are accepted again until they expire`;
}

function describe(e: RevocationEntry): string {
  const at = new Date(e.revokedAt).toISOString();
  const scope = e.tenant === null ? '' : ` in tenant ${e.tenant}`;
  const what =
    e.kind === 'agent'
      ? `revoked agent ${e.value}${scope}: tokens issued up to ${at} are refused`
      : e.kind === 'session'
        ? `revoked session ${e.value}${scope} (permanent, at ${at})`
        : `revoked token ${e.value}${scope} (permanent, at ${at})`;
  return e.reason === null ? what : `${what}; reason: ${e.reason}`;
}

async function list(source: RuntimeSource): Promise<number> {
  const { revocations: store, close } = await openRuntime(source, { need: ['revocations'], revocations: { watch: false } });
  try {
    printList(store.list(), 'no revocations recorded', (e) => `${e.id}\t${describe(e)}`);
  } finally {
    await close();
  }
  return 0;
}
