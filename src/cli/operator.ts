import { formatDuration } from '../config/duration.js';
import { loadConfig } from '../config/load.js';
import { InvalidArgumentError } from '../identity/errors.js';
import { ensureOperatorKey } from '../admin/operator-key.js';
import { mintOperatorToken, OPERATOR_TENANT } from '../admin/operator-token.js';
import { isRole } from '../admin/roles.js';
import { openRuntime } from '../runtime/index.js';
import { notApplied } from './applied.js';
import { durationFlag } from './duration-flag.js';
import { dataDirFor } from './emergency-config.js';
import { parseFlags, shared, STRING } from './flags.js';
import { configPath } from './paths.js';
import { EXIT, UsageError } from '../usage-error.js';

export const help = `sluice operator token --name NAME --role admin|approver|auditor [--ttl 8h] [--config FILE]
sluice operator revoke (--name NAME | --id ID) [--reason R] [--config FILE]

Operator tokens for the admin API (admin.listen). 'token' prints only the token, so
that  OP=$(sluice operator token --name alice --role approver)  works; send it as
'Authorization: Bearer $OP'. It is signed with operator-key.pem in the data directory
(made on first use, 0600), and names the operator and the role:

  auditor   reads: decisions, sessions, approvals, budgets, policy, pins, metrics
  approver  reads, and approves or denies approvals (as NAME: the rule's approvers apply)
  admin     everything: revoke, kill switch, quarantine, budgets raise

  --ttl D      lifetime (default 8h; at most admin.max_token_ttl, 168h by default)
  --name NAME  the operator (1-128 of A-Z a-z 0-9 . _ : @ -); approvals are decided as NAME

'revoke' refuses tokens at once, on every gate sharing this state: --name every token
of NAME minted up to now (a token minted later works), --id the one token whose id
(jti, opr_...) the admin audit records show in their session field.`;

const DEFAULT_TTL_MS = 8 * 3_600_000;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { ...shared('config', 'ttl'), name: STRING, role: STRING, id: STRING, reason: STRING });
  const [sub, extra] = positionals;
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
  if (sub === 'token') return token(values);
  if (sub === 'revoke') return revoke(values);
  throw new UsageError(sub === undefined ? "expected 'token' or 'revoke'" : `unknown subcommand '${sub}'; expected token or revoke`);
}

async function token(v: { config?: string | undefined; ttl?: string | undefined; name?: string | undefined; role?: string | undefined }): Promise<number> {
  if (v.name === undefined || v.role === undefined) throw new UsageError('--name and --role are required');
  if (!isRole(v.role)) throw new UsageError(`--role: expected admin, approver or auditor; got '${v.role}'`);
  const loaded = await loadConfig(configPath(v.config));
  const max = loaded.config.admin.max_token_ttl;
  const typed = v.ttl === undefined ? undefined : durationFlag('--ttl', v.ttl);
  if (typed && typed.ms > max) throw new UsageError(`--ttl: ${typed.text} is longer than admin.max_token_ttl (${formatDuration(max)}) in ${loaded.file}`);
  const key = await ensureOperatorKey(loaded.config.data_dir);
  try {
    const { token: t } = await mintOperatorToken(key, { name: v.name, role: v.role, ttlMs: typed?.ms ?? Math.min(DEFAULT_TTL_MS, max) });
    process.stdout.write(`${t}\n`);
  } catch (err) {
    if (err instanceof RangeError) throw new UsageError(`--${err.message}`);
    throw err;
  }
  return EXIT.ok;
}

async function revoke(v: { config?: string | undefined; name?: string | undefined; id?: string | undefined; reason?: string | undefined }): Promise<number> {
  if ((v.name === undefined) === (v.id === undefined)) throw new UsageError('give exactly one of --name and --id');
  const dataDir = await dataDirFor(configPath(v.config), 'operator revoke');
  const { revocations, close } = await openRuntime({ dataDir }, { need: ['revocations'], revocations: { watch: false } });
  try {
    const entry = await revocations.revoke({
      kind: v.name !== undefined ? 'agent' : 'token',
      value: (v.name ?? v.id)!,
      tenant: OPERATOR_TENANT,
      reason: v.reason ?? null,
    });
    const pending = await revocations.awaitApplied(entry, 5000);
    process.stdout.write(`revoked ${v.name !== undefined ? `every operator token of ${v.name} minted up to now` : `operator token ${v.id!}`}\n`);
    return notApplied('sluice operator revoke', pending, durationFlag('--wait', '5s'), 'gate(s)') || EXIT.ok;
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw new UsageError(`--${v.name !== undefined ? 'name' : 'id'}: ${err.message}`);
    throw err;
  } finally {
    await close();
  }
}
