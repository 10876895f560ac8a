import { formatDuration } from '../config/duration.js';
import { loadConfig } from '../config/load.js';
import { InvalidArgumentError } from '../identity/errors.js';
import { loadSigningKey } from '../identity/keys.js';
import { DEFAULT_TTL_MS, issueToken } from '../identity/tokens.js';
import { ttlFlag } from './duration-flag.js';
import { IDENTITY, parseOptionsOnly, shared } from './flags.js';
import { configPath } from './paths.js';
import { UsageError } from '../usage-error.js';

export const help = `sluice token --tenant T --agent A [--session S] [--human H] [--label k=v ...] [--ttl 15m] [--config FILE]

Mint an agent token, signed with the data directory's token key, and print only the
token, so that  TOKEN=$(sluice token --tenant acme --agent bot)  works.
The agent then uses the proxy URL  http://sluice:$TOKEN@HOST:PORT.

  --session S   bind the token to session S (default: a new random session id)
  --human H     the person on whose behalf the agent acts
  --label k=v   a label for policy rules; repeat for more (at most 32)
  --ttl D       lifetime, e.g. 30s, 15m, 8h (default 15m, at most 24h)

Tenant, agent, session and labels: 1-128 of A-Z a-z 0-9 . _ : @ -`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseOptionsOnly(argv, { ...IDENTITY, ...shared('ttl') });
  if (values.tenant === undefined || values.agent === undefined) throw new UsageError('--tenant and --agent are required');
  const labels = parseLabels(values.label ?? []);
  const typed = values.ttl === undefined ? undefined : ttlFlag(values.ttl);
  const loaded = await loadConfig(configPath(values.config));
  const max = loaded.config.identity.max_ttl;
  if (typed && typed.ms > max) {
    throw new UsageError(
      `--ttl: ${typed.text} is longer than identity.max_ttl (${formatDuration(max)}) in ${loaded.file}; gates on this config would refuse the token`,
    );
  }
  const ttlMs = typed?.ms ?? Math.min(DEFAULT_TTL_MS, max);
  const key = await loadSigningKey(loaded.config.data_dir);
  try {
    const { token } = await issueToken(key, {
      tenant: values.tenant,
      agent: values.agent,
      session: values.session,
      human: values.human ?? null,
      labels,
      ttlMs,
      policyVersion: loaded.version,
    });
    process.stdout.write(`${token}\n`);
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw new UsageError(`--${err.message.replace(/^labels/, 'label')}`);
    throw err;
  }
  return 0;
}

function parseLabels(items: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError('--label: expected k=v');
    const k = item.slice(0, eq);
    if (Object.hasOwn(out, k)) throw new UsageError(`--label: '${k}' given twice`);
    out[k] = item.slice(eq + 1);
  }
  return out;
}
