import { existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseOptionsOnly, STRING } from './flags.js';
import { starterConfig } from '../config/starter.js';
import { CA_CERT_FILE, CA_KEY_FILE, createCa, writeCa } from '../tls/ca.js';
import { ensureTokenKeys, TOKEN_KEY_FILE } from '../identity/keys.js';
import { ensureMasterKey } from '../credentials/master-key.js';
import { loadSigningKey } from '../audit/checkpoint-sign.js';
import { CONFIG_NAME, DEFAULT_DIR } from './paths.js';
import { removeCrashLeftovers } from './stale-temps.js';
import { UsageError } from '../usage-error.js';

export const help = `sluice init [--dir DIR] [--force]

Create a data directory (default ./.sluice) with a starter config (deny by default),
a new interception CA (ca.pem, and ca-key.pem readable by you only), the agent-token
signing key (token-key.pem) and the secret store's master key (master.key, unless
SLUICE_MASTER_KEY is set). --force replaces the config (the old one is kept as
sluice.yaml.TIME.bak) and CA; the token key and master key are kept (replacing them
would invalidate tokens and stored secrets). Says created, replaced or kept for each file.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseOptionsOnly(argv, { dir: STRING, force: { type: 'boolean', default: false } });
  const dir = resolve(values.dir ?? DEFAULT_DIR);
  const configFile = join(dir, CONFIG_NAME);
  if (!values.force && existsSync(configFile)) {
    throw new UsageError(`${configFile} already exists; pass --force to replace it and the CA`);
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  // An earlier init or secret write that crashed half-way left temp files (maybe a key): remove them first.
  const leftovers = await removeCrashLeftovers(dir, { cert: join(dir, CA_CERT_FILE), key: join(dir, CA_KEY_FILE) });
  const hadConfig = existsSync(configFile);
  const hadCa = existsSync(join(dir, CA_CERT_FILE));
  const hadTokenKey = existsSync(join(dir, TOKEN_KEY_FILE));
  // An operator's edits are not thrown away by --force: the old file stays beside the new.
  let backup: string | null = null;
  if (hadConfig) {
    backup = `${configFile}.${new Date()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z')}.bak`;
    await copyFile(configFile, backup);
  }
  await writeFile(configFile, starterConfig(), { mode: 0o644 });
  const ca = await createCa();
  const { certPath, keyPath } = await writeCa(dir, ca, { force: values.force });
  // Kept on --force: replacing them would invalidate every token and every stored secret.
  await ensureTokenKeys(dir);
  const master = await ensureMasterKey(dir);
  // The audit checkpoint signing key (kept on --force: it signed the trail so far).
  loadSigningKey(dir);
  process.stdout.write(
    leftovers.map((p) => `removed ${p} (left by a crash during a write)\n`).join('') +
      (backup === null ? `created ${configFile}\n` : `replaced ${configFile} (the old one is ${backup})\n`) +
      `${hadCa ? 'replaced' : 'created'} CA certificate ${certPath}${hadCa ? ' (agents and bundles that trusted the old CA must take the new one)' : ''}\n` +
      `${hadCa ? 'replaced' : 'created'} CA key ${keyPath} (mode 0600)\n` +
      `${hadTokenKey ? 'kept' : 'created'} agent token signing key ${join(dir, TOKEN_KEY_FILE)} (mode 0600)\n` +
      (master.source === 'env'
        ? 'secrets are encrypted with SLUICE_MASTER_KEY\n\n'
        : `${master.created ? 'created' : 'kept'} master key ${master.path ?? ''} (mode 0600; back it up: it decrypts the secret store)\n\n`) +
      `next: add rules to ${configFile}, then\n` +
      `  sluice start --config ${configFile}\n` +
      `  sluice run --config ${configFile} -- curl https://example.com/\n`,
  );
  return 0;
}
