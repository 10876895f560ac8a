/**
 * The command-line options several commands share, spelled once, and the one way
 * every command calls Node's parser (strict: an unknown option is a usage error that
 * main.ts rewords). A command takes the shared options it needs by name and adds
 * its own, so `--tenant` means the same thing (and parses the same way) everywhere.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** A string option with no short form: most of them. */
export const STRING = { type: 'string' } as const;

/** One definition per shared option. */
const SHARED = {
  config: STRING,
  control: STRING,
  gate: STRING,
  tenant: STRING,
  agent: STRING,
  session: STRING,
  human: STRING,
  label: { type: 'string', multiple: true },
  ttl: STRING,
  json: { type: 'boolean', default: false },
  quiet: { type: 'boolean', short: 'q', default: false },
} as const;

/**
 * The shared options named, for a command's table.
 *
 * @example
 * parseFlags(argv, { ...shared('config', 'tenant'), force: { type: 'boolean' } });
 */
export function shared<K extends keyof typeof SHARED>(...names: K[]): Pick<typeof SHARED, K> {
  return Object.fromEntries(names.map((n) => [n, SHARED[n]])) as Pick<typeof SHARED, K>;
}

/** What `sluice run` and `sluice mcp` take to open a gate session (GateSessionFlags), and --quiet. */
export const GATE_SESSION = shared('config', 'control', 'gate', 'tenant', 'agent', 'human', 'ttl', 'quiet');

/** Who a token would name (`sluice token`, `sluice explain`). */
export const IDENTITY = shared('config', 'tenant', 'agent', 'session', 'human', 'label');

/**
 * Parse a command's options; positional arguments allowed.
 *
 * @example
 * const { values, positionals } = parseFlags(argv, shared('config'));
 */
export function parseFlags<const O extends ParseArgsOptionsConfig>(args: string[], options: O): Parsed<O, true> {
  return parseArgs<Config<O, true>>({ args, options, allowPositionals: true, strict: true });
}

/** Parse a command's options; a positional argument is a usage error. */
export function parseOptionsOnly<const O extends ParseArgsOptionsConfig>(args: string[], options: O): Parsed<O, false> {
  return parseArgs<Config<O, false>>({ args, options, allowPositionals: false, strict: true });
}

// `const O` keeps the table's literal types ('string', default: false) so that `values` is typed
// per option (string | undefined, boolean); spelled out because Node's own type cannot be named here.
type Config<O extends ParseArgsOptionsConfig, P extends boolean> = { args: string[]; options: O; allowPositionals: P; strict: true };
/** What Node's parser returns for that config: values typed by the option table. */
type Parsed<O extends ParseArgsOptionsConfig, P extends boolean> = ReturnType<typeof parseArgs<Config<O, P>>>;
