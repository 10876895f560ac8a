#!/usr/bin/env node
import { ConfigError, SluiceError } from '../errors.js';
import { CommandError, EXIT, UsageError } from './usage-error.js';

interface Command {
  help: string;
  run(argv: string[]): Promise<number>;
}

// Loaded on demand: the CA code (X.509/ASN.1 libraries) costs ~0.3 s to load, and
// `sluice run`, which wraps every agent command, never needs it.
const COMMANDS: Record<string, () => Promise<Command>> = {
  init: () => import('./init.js'),
  start: () => import('./start.js'),
  run: () => import('./run-cmd.js'),
  ca: () => import('./ca.js'),
  token: () => import('./token.js'),
  revoke: () => import('./revoke.js'),
  secret: () => import('./secret.js'),
  audit: () => import('./audit.js'),
  policy: () => import('./policy.js'),
  explain: () => import('./explain.js'),
  mcp: () => import('./mcp.js'),
  status: () => import('./status.js'),
};

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
  secret  set, list or remove secrets in the encrypted store
  policy  check a policy file, or run a table of policy test cases
  explain show how the policy decides one request, rule by rule
  audit   tail or query the audit trail
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
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    process.stderr.write(`sluice: unknown command '${name}'\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  const cmd = await load();
  const dashdash = rest.indexOf('--');
  const own = dashdash === -1 ? rest : rest.slice(0, dashdash);
  if (own.includes('--help') || own.includes('-h')) {
    process.stdout.write(`${cmd.help}\n`);
    return EXIT.ok;
  }
  return cmd.run(rest);
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
