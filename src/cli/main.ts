#!/usr/bin/env node
import { ConfigError, SluiceError } from '../errors.js';
import { CommandError, EXIT, UsageError } from '../usage-error.js';

interface Command {
  help: string;
  run(argv: string[]): Promise<number>;
}

/** The commands; each is the module of its name here (run is run-cmd.ts). */
const COMMANDS = new Set([
  'init',
  'start',
  'run',
  'ca',
  'token',
  'revoke',
  'kill',
  'quarantine',
  'budget',
  'approvals',
  'secret',
  'audit',
  'policy',
  'explain',
  'mcp',
  'status',
  'replay',
  'forensics',
]);

// Loaded on demand: the CA code (X.509/ASN.1 libraries) costs ~0.3 s to load, and
// `sluice run`, which wraps every agent command, never needs it.
function loadCommand(name: string): Promise<Command> {
  return import(`./${name === 'run' ? 'run-cmd' : name}.js`) as Promise<Command>;
}

const USAGE = `sluice: the egress gate for AI agents

usage: sluice <command> [options]

commands:
  init    create a data directory with a starter config and an interception CA
  start   run the gate
  run     run a command with the gate as its proxy and the CA trusted
  status  is the gate up: policy version, open tunnels and sessions (control socket)
  ca      print the CA certificate's path or PEM
  token   mint an agent token (operator: reads the signing key)
  revoke  revoke a session, an agent or a token; its open exchanges end
  kill    refuse all traffic (or one tenant's) and end what is open; --off lifts it
  quarantine  deny a host or CIDR for everyone, before the policy; --lift, --list
  budget  show what sessions, agents and tenants spent of their budgets; raise one
  approvals   list, show, approve or deny requests waiting for a human
  secret  set, list or remove secrets in the encrypted store
  policy  check a policy file, or run a table of policy test cases
  explain show how the policy decides one request, rule by rule
  audit   tail or query the audit trail
  replay  decide the recorded requests under a candidate policy: what would change
  forensics  keep one session's full exchanges (redacted) for incident review
  mcp     run a stdio MCP server behind the gate; accept changed tool definitions

'sluice <command> --help' for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write('sluice 0.1.0\n');
    return EXIT.ok;
  }
  if (!COMMANDS.has(name)) {
    process.stderr.write(`sluice: unknown command '${name}'\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  const cmd = await loadCommand(name);
  const dashdash = rest.indexOf('--');
  const own = dashdash === -1 ? rest : rest.slice(0, dashdash);
  if (own.includes('--help') || own.includes('-h')) {
    process.stdout.write(`${cmd.help}\n`);
    return EXIT.ok;
  }
  try {
    return await cmd.run(rest);
  } catch (err) {
    throw isParseArgsError(err) ? new UsageError(parseArgsMessage(name, rest, err as Error & { code: string })) : err;
  }
}

/**
 * Node's parser messages, replaced where they mislead: its advice for an unknown option
 * ("place it at the end of the command after '--'") is wrong for `sluice run curl -s`,
 * where the '--' goes before the command.
 */
function parseArgsMessage(command: string, argv: readonly string[], err: Error & { code: string }): string {
  const flag = /option '([^']+)'/.exec(err.message)?.[1];
  if (err.code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || flag === undefined) return `${err.message}\n'sluice ${command} --help' lists the options`;
  const cmdAt = command === 'run' ? firstPositional(argv) : -1;
  if (cmdAt !== -1 && cmdAt < argv.indexOf(flag)) {
    return `'${flag}' is not a sluice run option; to pass options to the command, put '--' before it: sluice run ${[...argv.slice(0, cmdAt), '--', ...argv.slice(cmdAt)].join(' ')}`;
  }
  if (command === 'start' && (flag === '--port' || flag === '-p' || flag === '--host')) {
    return `unknown option '${flag}': sluice start takes --listen HOST:PORT (e.g. --listen 127.0.0.1:8877), or listen: in the config`;
  }
  return `unknown option '${flag}' for sluice ${command}; 'sluice ${command} --help' lists the options`;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError) {
      process.stderr.write(`sluice: invalid config:\n${err.message}\n`);
      process.exitCode = EXIT.usage;
    } else if (err instanceof UsageError || isParseArgsError(err)) {
      process.stderr.write(`sluice: ${(err as Error).message}\n`);
      process.exitCode = EXIT.usage;
    } else if (err instanceof CommandError) {
      process.stderr.write(`sluice: ${err.message}\n`);
      process.exitCode = EXIT.failed;
    } else if (err instanceof SluiceError) {
      process.stderr.write(`sluice: ${err.message} [${err.code}]\n`);
      process.exitCode = EXIT.failed;
    } else {
      process.stderr.write(`sluice: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = EXIT.failed;
    }
  },
);

function isParseArgsError(err: unknown): boolean {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' && err.code.startsWith('ERR_PARSE_ARGS');
}

/** `sluice run`'s options that take a value: the word after one is not the command. */
const RUN_VALUE_OPTIONS = new Set(['--config', '--control', '--gate', '--tenant', '--agent', '--human', '--ttl', '--user', '--rw']);

function firstPositional(argv: readonly string[]): number {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return -1;
    if (!a.startsWith('-')) return i;
    if (RUN_VALUE_OPTIONS.has(a)) i++;
  }
  return -1;
}
