/**
 * `sluice secret set|list|rm`: manage the encrypted secret store in the data
 * directory. Values are read from standard input only (hidden prompt on a
 * terminal) and never printed.
 */
import { MAX_SECRET_BYTES } from '../credentials/file-store.js';
import { ensureMasterKey } from '../credentials/master-key.js';
import { trimOneNewline } from '../credentials/refs.js';
import { isSecretName } from '../credentials/secret-name.js';
import { openRuntime, type SecretStore } from '../runtime/index.js';
import { stateSourceFor } from './emergency-config.js';
import { parseFlags, shared } from './flags.js';
import { configPath } from './paths.js';
import { UsageError } from '../usage-error.js';

export const help = `sluice secret set NAME [--config FILE]   read the value from stdin and store it encrypted
sluice secret list [--config FILE]       names and when they were set (never values)
sluice secret rm NAME [--config FILE]    remove a secret

The value is read from standard input, never from the command line:
  printf %s "$TOKEN" | sluice secret set github
  sluice secret set github          (on a terminal: prompts, input hidden)
One trailing newline is stripped. Values are encrypted with AES-256-GCM under the
master key: $SLUICE_MASTER_KEY if set, else DATA_DIR/master.key (created if missing).
A rule refers to the secret by NAME; agents never see it.`;

const ARGV_REFUSAL =
  "refusing to take the secret's value from the command line: arguments are visible to every user in 'ps' " +
  'and are saved in shell history. Pass it on standard input instead, e.g. printf %s "$TOKEN" | sluice secret set NAME, ' +
  'or run sluice secret set NAME and type it at the hidden prompt';

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, shared('config'));
  const [sub, name, ...extra] = positionals;
  if (sub === 'set' && extra.length > 0) throw new UsageError(ARGV_REFUSAL);
  if ((sub === 'set' || sub === 'rm') && name === undefined) throw new UsageError(`expected 'sluice secret ${sub} NAME'`);
  if (sub === 'list' && name !== undefined) throw new UsageError(`'sluice secret list' takes no arguments`);
  if (extra.length > 0) throw new UsageError(`unexpected argument after the secret's name`);
  if (sub !== 'set' && sub !== 'list' && sub !== 'rm') {
    throw new UsageError("expected 'sluice secret set NAME', 'sluice secret list' or 'sluice secret rm NAME'");
  }
  if (name !== undefined && !isSecretName(name)) {
    // Not echoed: a value pasted where the name goes must not land in a terminal log.
    throw new UsageError("invalid secret name (not shown): expected 1 to 64 letters, digits, '_', '.' or '-'");
  }
  // The store needs only the data directory (a bad edit must not stop 'sluice secret set'
  // for a missing secret) and, on the shared backend, the config's state: section.
  const source = await stateSourceFor(configPath(values.config), 'secret');
  const dataDir = 'config' in source ? source.config.data_dir : source.dataDir;
  // Open first: a store with entries but no key fails here, before a new key is created beside it.
  const { secrets: store, close } = await openRuntime(source, { need: ['secrets'] });
  try {
    return await act(sub, name, store, dataDir);
  } finally {
    await close();
  }
}

async function act(sub: 'list' | 'rm' | 'set', name: string | undefined, store: SecretStore, dataDir: string): Promise<number> {
  if (sub === 'list') {
    const entries = store.list();
    if (entries.length === 0) process.stdout.write(`no secrets in ${store.file}\n`);
    for (const e of entries) process.stdout.write(`${e.name}\t${e.setAt}\n`);
    return 0;
  }
  if (sub === 'rm') {
    if (!(await store.remove(name!))) {
      process.stderr.write(`sluice: no secret named '${name!}' in ${store.file}\n`);
      return 1;
    }
    process.stdout.write(`removed secret '${name!}'\n`);
    return 0;
  }
  const key = await ensureMasterKey(dataDir);
  if (key.created) process.stderr.write(`created master key ${key.path!} (mode 0600); back it up: without it the secrets cannot be read\n`);
  const value = await readValue(name!);
  try {
    if (value.length === 0) throw new UsageError('the value is empty; pass it on standard input');
    await store.set(name!, value);
  } finally {
    value.fill(0);
  }
  process.stdout.write(`set secret '${name!}' in ${store.file}\n`);
  return 0;
}

/** The value from stdin: a hidden prompt on a terminal, else everything piped in; one trailing newline stripped. */
async function readValue(name: string): Promise<Buffer> {
  const raw = process.stdin.isTTY ? await promptHidden(`value for secret '${name}' (input hidden): `) : await readAllStdin();
  const value = Buffer.from(trimOneNewline(raw));
  raw.fill(0);
  return value;
}

async function readAllStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    chunks.push(chunk);
    if (size > MAX_SECRET_BYTES + 2) {
      for (const c of chunks) c.fill(0);
      throw new UsageError(`the value on standard input is larger than ${MAX_SECRET_BYTES} bytes`);
    }
  }
  const all = Buffer.concat(chunks);
  for (const c of chunks) c.fill(0);
  return all;
}

/** Read one line from the terminal without echoing it. */
function promptHidden(prompt: string): Promise<Buffer> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    const bytes: number[] = [];
    const finish = (err?: Error): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      const out = Buffer.from(bytes);
      bytes.fill(0);
      if (err) reject(err);
      else resolve(out);
    };
    const onData = (chunk: Buffer): void => {
      for (const b of chunk) {
        if (b === 0x0d || b === 0x0a) return finish();
        if (b === 0x03) return finish(new UsageError('cancelled'));
        if (b === 0x04 && bytes.length === 0) return finish();
        if (b === 0x7f || b === 0x08) bytes.pop();
        else if (bytes.length <= MAX_SECRET_BYTES) bytes.push(b);
      }
      chunk.fill(0);
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}
