import { userInfo } from 'node:os';
import { InvalidArgumentError } from '../identity/errors.js';
import { openRuntime } from '../runtime/index.js';
import type { ApprovalEntry, ApprovalStore } from '../state/approvals.js';
import { printList } from './applied.js';
import { durationFlag } from './duration-flag.js';
import { stateSourceFor } from './emergency-config.js';
import { parseFlags, shared, STRING } from './flags.js';
import { configPath } from './paths.js';
import { EXIT, UsageError } from '../usage-error.js';

export const help = `sluice approvals list [--all] [--json] [--config FILE]
sluice approvals show ID [--json] [--config FILE]
sluice approvals approve ID [--as NAME] [--session] [--for 10m] [--reason R] [--config FILE]
sluice approvals deny ID [--as NAME] [--reason R] [--config FILE]

Decide the requests that wait for a human: those an 'action: approve' rule matched,
and a session's write to one critical domain too many (blast_radius). Works from any
terminal on the gate's data directory; a held request goes on (or is refused) within
a moment, and an agent answered 428 passes when it retries the same request.

  list         pending approvals (--all: every one still remembered)
  show ID      the proposed diff: method, URL, who, the body or tool arguments
               (secrets redacted), and who may decide
  approve ID   grant it: once, for this exact request (method, URL, body, identity)
    --session  widen: every request this rule decides in the same session
    --for D    how long the grant lasts (e.g. 10m); without --session it widens to
               every request the rule decides in the tenant, for D
  deny ID      refuse it (the agent gets 403 approval_denied)
  --as NAME    who decides; default $SLUICE_APPROVER, else your login name. It must
               be one of the rule's approvers or a member of one of its roles
               (approvals.roles in the config)
  --reason R   why (in the agent's refusal and in show)`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    ...shared('config', 'json'),
    all: { type: 'boolean', default: false },
    as: STRING,
    session: { type: 'boolean', default: false },
    for: STRING,
    reason: STRING,
  });
  const [sub, id, extra] = positionals;
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
  if (sub !== 'list' && sub !== 'show' && sub !== 'approve' && sub !== 'deny') throw new UsageError("expected 'list', 'show ID', 'approve ID' or 'deny ID'");
  if ((sub === 'list') !== (id === undefined))
    throw new UsageError(sub === 'list' ? "'list' takes no ID" : `'${sub}' needs an approval ID (sluice approvals list)`);
  if (sub !== 'approve' && (values.session || values.for !== undefined)) throw new UsageError('--session and --for widen a grant: they go with approve');
  const forMs = values.for === undefined ? null : durationFlag('--for', values.for).ms;
  const { approvals, close } = await openRuntime(await stateSourceFor(configPath(values.config), `approvals ${sub}`), {
    need: ['approvals'],
    approvals: { watch: false },
  });
  try {
    if (sub === 'list') {
      const all = approvals.list({ all: values.all });
      if (values.json) return printList(all, 'no approvals', (e) => JSON.stringify(e));
      return printList(all, values.all ? 'no approvals' : 'no approval is pending', line);
    }
    if (sub === 'show') return show(approvals, id!, values.json);
    const by = values.as ?? process.env.SLUICE_APPROVER ?? userInfo().username;
    const scope = values.session ? 'session' : forMs !== null ? 'rule' : 'request';
    let e: ApprovalEntry;
    try {
      e = await approvals.decide(id!, { approve: sub === 'approve', by, reason: values.reason ?? null, scope, forMs });
    } catch (err) {
      if (err instanceof InvalidArgumentError) {
        process.stderr.write(`sluice approvals: ${err.message}\n`);
        return EXIT.failed;
      }
      throw err;
    }
    process.stdout.write(`${sub === 'approve' ? 'approved' : 'denied'} ${e.id} (${granted(e)})\n`);
    return EXIT.ok;
  } finally {
    await close();
  }
}

function show(approvals: ApprovalStore, id: string, json: boolean): number {
  const e = approvals.get(id);
  if (e === null) {
    process.stderr.write(`sluice approvals: no approval ${id} (sluice approvals list --all)\n`);
    return EXIT.failed;
  }
  if (json) {
    process.stdout.write(`${JSON.stringify(e)}\n`);
    return EXIT.ok;
  }
  const d = e.diff;
  const lines = [
    `${e.id}  ${e.status}  rule ${e.rule}`,
    `why:        ${d.why}`,
    `request:    ${d.method} ${d.url}`,
    `who:        tenant ${d.tenant ?? '-'}, agent ${d.agent ?? '-'}, session ${d.session ?? '-'}, human ${d.human ?? '-'}`,
    ...(d.tool === undefined ? [] : [`tool:       ${d.tool}`, `arguments:  ${JSON.stringify(d.args)}`]),
    ...(d.body === null ? [] : [`body:       ${d.body} (${d.bodyBytes} bytes)`]),
    `approvers:  ${e.allowed.length === 0 ? 'anyone' : e.allowed.join(', ')}`,
    `expires:    ${new Date(e.expiresAt).toISOString()}`,
    ...(e.decidedBy === null ? [] : [`decided:    ${e.status} by ${e.decidedBy}${e.reason ? ` (${e.reason})` : ''}; ${granted(e)}`]),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.ok;
}

function line(e: ApprovalEntry): string {
  const d = e.diff;
  const what = d.tool === undefined ? `${d.method} ${d.url}` : `tool ${d.tool} (${d.url})`;
  return `${e.id}\t${e.status}\t${e.rule}\t${d.agent ?? '-'}/${d.session ?? '-'}\t${what}\texpires ${new Date(e.expiresAt).toISOString()}`;
}

function granted(e: ApprovalEntry): string {
  if (e.status !== 'approved') return e.status;
  const until = e.grantUntil === null ? '' : ` until ${new Date(e.grantUntil).toISOString()}`;
  const scope =
    e.scope === 'request'
      ? 'this request, once'
      : e.scope === 'session'
        ? `rule ${e.rule} in session ${e.session ?? '-'}`
        : `rule ${e.rule} in tenant ${e.tenant ?? '-'}`;
  return `${scope}${until}`;
}
