import { loadCases } from '../config/load-cases.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { ConfigError } from '../errors.js';
import { checkCase } from '../policy/check-case.js';
import { compileConfigPolicy, type CompiledPolicy } from '../policy/compile.js';
import { plaintextWarnings } from '../policy/credential-transport.js';
import { loopbackNameWarnings } from '../policy/host-warnings.js';
import { gateVerdict } from '../proxy/gate-verdict.js';
import type { Who } from '../policy/types.js';
import { stdio, type Io } from './explain.js';
import { gateChecks } from './gate-checks.js';
import { checkConfigFiles } from './config-files.js';
import { parseFlags, shared } from './flags.js';
import { configPath } from './paths.js';
import { startWarnings } from './start-warnings.js';
import { EXIT, UsageError } from '../usage-error.js';

export const help = `sluice policy check [FILE]
sluice policy test CASES.yaml [--config FILE]

check: load and compile the policy in FILE (default: the config, from
  --config, $SLUICE_CONFIG or ./.sluice/sluice.yaml); prints 'ok: N rules,
  version V' or every problem with its line (exit 2).
test: judge each case in CASES.yaml as the gate would answer it (SSRF for IP
  literals and loopback names, hostname DLP, the policy, the plaintext-credential
  refusal) and compare with what it expects; one line per case, then 'N passed,
  N failed' (exit 1 if any failed). A case:
    - name: support bot reads acme repos
      identity: { tenant: acme, agent: support-bot }   # or null: no identity
      request: GET https://api.github.com/repos/acme/widgets
      expect: { outcome: allow, rule: github-read, credential: github_token }
  expect may also name error (the deny's error, like ssrf_blocked or
  credential_plaintext_refused), intent, route and would_deny: [rule ids].`;

export async function run(argv: string[], io: Io = stdio): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'check') return check(rest, io);
  if (sub === 'test') return testCases(rest, io);
  throw new UsageError(sub === undefined ? `expected a subcommand\n\n${help}` : `unknown subcommand '${sub}'\n\n${help}`);
}

async function check(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, shared('config'));
  if (positionals.length > 1) throw new UsageError('policy check takes at most one FILE');
  const loaded = await loadOrReport(configPath(positionals[0] ?? values.config), io);
  if (loaded === null) return EXIT.usage;
  await checkConfigFiles(loaded);
  const policy = compiled(loaded);
  const n = policy.rules.length + policy.mcp.rules.length;
  const tools = policy.mcp.rules.length === 0 ? '' : ` (${policy.mcp.rules.length} MCP tool rule${policy.mcp.rules.length === 1 ? '' : 's'})`;
  io.out(`ok: ${n} rule${n === 1 ? '' : 's'}${tools}, version ${policy.version}\n`);
  for (const w of await startWarnings(loaded)) io.err(`sluice: warning: ${w}\n`);
  return EXIT.ok;
}

async function testCases(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, shared('config'));
  if (positionals.length !== 1) throw new UsageError('expected one CASES.yaml file: sluice policy test CASES.yaml [--config FILE]');
  const loaded = await loadOrReport(configPath(values.config), io);
  if (loaded === null) return EXIT.usage;
  let file;
  try {
    file = await loadCases(positionals[0]!);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(`sluice: invalid cases file:\n${err.message}\n`);
    return EXIT.usage;
  }
  const policy = compiled(loaded);
  // Each case is judged as the gate would answer it: host checks, policy, credential transport.
  const checks = await gateChecks(loaded);
  let passed = 0;
  let failed = 0;
  for (const c of file.cases) {
    const who: Who | null =
      c.identity == null
        ? null
        : {
            tenant: c.identity.tenant,
            agent: c.identity.agent,
            session: c.identity.session ?? 'test',
            human: c.identity.human ?? null,
            labels: c.identity.labels ?? {},
          };
    const v = gateVerdict(checks, c.request, who, policy);
    const r = checkCase(policy, c.request, who, c.expect, {
      outcome: v.outcome,
      error: v.deny?.error ?? null,
      rule: v.deny === null ? v.explanation.decision.rule : v.deny.rule,
    });
    if (r.pass) {
      passed++;
      io.out(`✓ ${c.name}\n`);
    } else {
      failed++;
      const by =
        v.stage === 'host' || v.stage === 'credential'
          ? `refused by the gate: ${v.deny?.error} ${v.stage === 'host' ? 'before' : 'after'} the policy (${r.decision.rule}, ${r.decision.reason})`
          : `decided by ${r.decision.rule}, ${r.decision.reason}`;
      io.out(`✗ ${c.name}: ${r.mismatches.join('; ')} (${by})\n`);
    }
  }
  io.out(`${passed} passed, ${failed} failed\n`);
  return failed > 0 ? EXIT.failed : EXIT.ok;
}

async function loadOrReport(file: string, io: Io): Promise<LoadedConfig | null> {
  try {
    return await loadConfig(file);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(`sluice: invalid config:\n${err.message}\n`);
    return null;
  }
}

// The schema has already checked everything compilePolicy checks, so this cannot throw for a loaded config.
function compiled(loaded: LoadedConfig): CompiledPolicy {
  return compileConfigPolicy(loaded.config, loaded.version);
}

/**
 * What `policy check`, `start` and a reload warn about: credentials that may travel in
 * clear or can never be injected (plain-HTTP route), and rules naming a loopback name.
 */
export function credentialWarnings(loaded: LoadedConfig): string[] {
  const schemes = Object.fromEntries(Object.entries(loaded.config.routes).map(([name, r]) => [name, r.url.scheme]));
  return [...plaintextWarnings(loaded.config.rules, schemes), ...loopbackNameWarnings(loaded.config.rules)];
}
