/**
 * The tool profile (schemas/tool-profile.schema.json): what Sluice claims to detect
 * and what it supports. `sluiceProfile()` is the single statement of those claims;
 * `conformance/sluice-profile.json` is that statement written out (regenerate it with
 * `npm run conformance -- --write-profile`; a test keeps the two equal).
 *
 * Applicability (docs/RUNNER.md): a case applies when every capability tag is
 * claimed and every `requires` entry is supported. The runner also requires the
 * case's transport to be supported (as the upstream reference runner does): an MCP
 * case tagged `crypto_dlp` cannot be sent to a gate that does not speak MCP.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { BenchCase } from './case.js';

export const SUPPORT_KEYS = [
  'fetch_proxy',
  'http_proxy',
  'mcp_stdio',
  'mcp_http',
  'websocket',
  'tls_interception',
  'request_body_scanning',
  'header_scanning',
  'response_scanning',
  'mcp_tool_baseline',
  'mcp_chain_memory',
  'a2a',
  'websocket_frame_scanning',
  'a2a_scanning',
  'shell_analysis',
  'dns_rebinding_fixture',
] as const;
export type SupportKey = (typeof SUPPORT_KEYS)[number];

export const CLAIM_TAGS = [
  'url_dlp',
  'request_body_dlp',
  'header_dlp',
  'response_injection',
  'mcp_input_scan',
  'mcp_tool_poison',
  'mcp_chain',
  'ssrf',
  'domain_blocklist',
  'entropy',
  'encoding_evasion',
  'benign',
  'a2a_scan',
  'a2a_card_poison',
  'websocket_dlp',
  'ssrf_bypass',
  'shell_obfuscation',
  'crypto_dlp',
  'hostname_exfil',
] as const;

export interface ToolProfile {
  schema_version: 1;
  tool: string;
  tool_version: string;
  runner_version: string;
  claims: string[];
  supports: Record<SupportKey, boolean>;
}

/** Bumped when the runner's observable behaviour (verdict mapping, sending) changes. */
export const RUNNER_VERSION = '1.2.0';

/**
 * Switches for the parts that landed last; each is one line to change (to measure a
 * build without them, or to add the next).
 * - chain detection of MCP tool-call sequences (claims `mcp_chain`, supports `mcp_chain_memory`);
 * - the A2A guard wired into the proxy (supports `a2a` and `a2a_scanning`, claims `a2a_scan` and `a2a_card_poison`);
 * - shell analysis of MCP command arguments (supports `shell_analysis`, claims `shell_obfuscation`).
 */
export const GATE_FEATURES = {
  mcpChain: true,
  a2a: true,
  shellAnalysis: true,
};

/**
 * What Sluice does today. HTTP proxying, CONNECT with interception, request and
 * header scanning, response scanning, WebSocket relaying with frame (message)
 * scanning, MCP over Streamable HTTP (through the proxy) and stdio (`sluice mcp`)
 * with argument DLP and injection, tool poisoning, rug-pull pins and chain
 * detection, obfuscated shell commands in tool arguments, A2A messages and agent
 * cards (switchable in `GATE_FEATURES`).
 *
 * @example
 * await writeProfile('conformance/sluice-profile.json', sluiceProfile('0.1.0'));
 */
export function sluiceProfile(toolVersion: string, features: typeof GATE_FEATURES = GATE_FEATURES): ToolProfile {
  return {
    schema_version: 1,
    tool: 'sluice',
    tool_version: toolVersion,
    runner_version: RUNNER_VERSION,
    claims: [
      'url_dlp',
      'request_body_dlp',
      'header_dlp',
      'response_injection',
      'ssrf',
      'ssrf_bypass',
      'domain_blocklist',
      'entropy',
      'encoding_evasion',
      'benign',
      'crypto_dlp',
      'hostname_exfil',
      'websocket_dlp',
      'mcp_input_scan',
      'mcp_tool_poison',
      ...(features.mcpChain ? ['mcp_chain'] : []),
      ...(features.a2a ? ['a2a_scan', 'a2a_card_poison'] : []),
      ...(features.shellAnalysis ? ['shell_obfuscation'] : []),
    ],
    supports: {
      fetch_proxy: true,
      http_proxy: true,
      mcp_stdio: true,
      mcp_http: true,
      websocket: true,
      tls_interception: true,
      request_body_scanning: true,
      header_scanning: true,
      response_scanning: true,
      mcp_tool_baseline: true,
      mcp_chain_memory: features.mcpChain,
      a2a: features.a2a,
      websocket_frame_scanning: true,
      a2a_scanning: features.a2a,
      shell_analysis: features.shellAnalysis,
      dns_rebinding_fixture: false,
    },
  };
}

export async function writeProfile(file: string, profile: ToolProfile): Promise<void> {
  await writeFile(file, `${JSON.stringify(profile, null, 2)}\n`);
}

export class ProfileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProfileError';
  }
}

/** Read and check a profile against the schema; throws ProfileError naming the file and field. */
export async function loadProfile(file: string): Promise<ToolProfile> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new ProfileError(`${file}: ${(err as Error).message}`);
  }
  return checkProfile(raw, file);
}

export function checkProfile(raw: unknown, file: string): ToolProfile {
  const fail = (msg: string): never => {
    throw new ProfileError(`${file}: ${msg}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail('expected a JSON object');
  const o = raw as Record<string, unknown>;
  const allowed = new Set(['schema_version', 'tool', 'tool_version', 'runner_version', 'claims', 'supports']);
  for (const k of Object.keys(o)) if (!allowed.has(k)) fail(`unknown key '${k}'`);
  if (o.schema_version !== 1) fail(`schema_version: expected 1; got ${JSON.stringify(o.schema_version)}`);
  for (const k of ['tool', 'tool_version', 'runner_version']) if (typeof o[k] !== 'string') fail(`${k}: expected a string`);
  const claims = o.claims;
  if (!Array.isArray(claims)) return fail('claims: expected an array');
  const known = new Set<string>(CLAIM_TAGS);
  for (const c of claims) if (typeof c !== 'string' || !known.has(c)) fail(`claims: unknown tag ${JSON.stringify(c)}`);
  const s = o.supports;
  if (typeof s !== 'object' || s === null || Array.isArray(s)) return fail('supports: expected an object');
  const sup = s as Record<string, unknown>;
  for (const k of Object.keys(sup)) if (!(SUPPORT_KEYS as readonly string[]).includes(k)) fail(`supports: unknown key '${k}'`);
  for (const k of SUPPORT_KEYS) if (typeof sup[k] !== 'boolean') fail(`supports.${k}: expected true or false`);
  return raw as ToolProfile;
}

/**
 * Why a case does not apply, or null when it does.
 *
 * @example
 * applicability(mcpCase, profile) // 'transport mcp_stdio not supported'
 */
export function applicability(c: BenchCase, p: ToolProfile): string | null {
  const claims = new Set(p.claims);
  const missing = c.capability_tags.filter((t) => !claims.has(t));
  if (missing.length > 0) return `capability not claimed: ${missing.join(', ')}`;
  const supports = p.supports as Record<string, boolean | undefined>;
  const unmet = c.requires.filter((r) => supports[r] !== true);
  if (unmet.length > 0) return `requirement not supported: ${unmet.join(', ')}`;
  if (supports[c.transport] !== true) return `transport ${c.transport} not supported`;
  return null;
}
