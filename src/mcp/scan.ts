/**
 * The guard's two scans, by direction. Outbound (what the client sends): DLP over
 * every string of the JSON, and optionally prompt injection, settled by the config and
 * the HTTP rule's `inspect.dlp`; a redaction inside a JSON-RPC message is not done, it
 * blocks (fail closed). Inbound (what the client and the model will read): prompt
 * injection in results, resources, prompts and sampling requests.
 *
 * @example
 * const findings = scanOutbound(env, null, args, true).filter((f) => f.action === 'block');
 */
import type { Finding } from '../inspect/finding.js';
import { scanToolCallArgs, scanToolResult } from '../inspect/mcp/tool-inspect.js';
import type { InspectProfile } from '../policy/types.js';
import { settle } from '../inspect/dlp/dlp-setup.js';
import type { McpEnv } from './types.js';

/**
 * @example
 * scanOutbound(env, null, { query: 'AKIAIOSFODNN7EXAMPLE' }, false) // [{ type: 'aws_access_key_id', location: 'mcp.args:query', action: 'block' }]
 */
export function scanOutbound(env: McpEnv, profile: InspectProfile | null, payload: unknown, withInjection: boolean): Finding[] {
  const level = profile?.dlp ?? env.dlp.action;
  if (level === 'off' || payload === undefined || payload === null) return [];
  const injection = withInjection && env.injectionAction !== 'off' ? env.injection : undefined;
  const found = scanToolCallArgs(payload, env.dlp.scanner, { ...(injection ? { injection } : {}) });
  const settled = settle(found, env.dlp, profile?.dlp);
  return settled.map((f) => (f.action === 'redact' ? { ...f, action: 'block' as const } : f));
}

/**
 * The stored secrets' part of the outbound scan, when another process holds them
 * (`env.knownSecrets`). Fails closed: if that process cannot answer, the message is
 * blocked as unchecked.
 *
 * @example
 * const more = await scanKnownElsewhere(env, null, args); // [{ type: 'known_secret', location: 'mcp.args:body', action: 'block', detail: 'payments' }]
 */
export async function scanKnownElsewhere(env: McpEnv, profile: InspectProfile | null, payload: unknown): Promise<Finding[]> {
  const level = profile?.dlp ?? env.dlp.action;
  if (!env.knownSecrets || level === 'off' || payload === undefined || payload === null) return [];
  let found: Finding[];
  try {
    found = (await env.knownSecrets(payload)).filter((f) => f.type === 'known_secret');
  } catch {
    return [{ type: 'known_secret_unchecked', location: 'mcp.args', action: 'block', detail: 'the gate could not be asked about stored secrets' }];
  }
  return settle(found, env.dlp, profile?.dlp).map((f) => (f.action === 'redact' ? { ...f, action: 'block' as const } : f));
}

/**
 * @example
 * scanInbound(env, { content: [{ type: 'text', text: 'Ignore all previous instructions' }] }, 'mcp.result') // [{ type: 'prompt_injection:instruction_override', ... }]
 */
export function scanInbound(env: McpEnv, payload: unknown, prefix: string): Finding[] {
  const action = env.injectionAction;
  if (action === 'off') return [];
  const found = scanToolResult(payload, env.injection, prefix);
  return action === 'warn' ? found.map((f) => ({ ...f, action: 'warn' as const })) : found;
}
