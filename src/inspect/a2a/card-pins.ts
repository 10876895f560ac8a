/**
 * Rug-pull detection for agent cards, the pure part. A card becomes a list of
 * pseudo-tools the MCP pin machinery already handles (`comparePins`, and the
 * SQLite `ToolPinStore`, under server key `a2a:<host>`): one named `card` for
 * the card itself, one named `skill:<id>` per skill.
 *
 * What is pinned is what the model reads and what decides where calls go and
 * how they authenticate. Card: name, description, url and interfaces,
 * provider, security schemes and requirements, default input/output modes,
 * capability extensions. Skill: id, name, description, tags, examples,
 * input/output modes, security. Left out as volatile: version, protocol
 * version, documentation and icon URLs, signatures, capability flags.
 *
 * The definition travels in the pseudo-tool's `description`, as canonical
 * JSON: `toolFingerprint` hashes name and description whatever else it picks,
 * so a changed skill changes the pin.
 *
 * @example
 * const { tools } = agentCardPinTools(card);         // [{ name: 'card', description: '{"description":...}' }, { name: 'skill:forecast', ... }]
 * await pins.check(tenant, `a2a:${host}`, tools);    // { changed: ['skill:forecast'], ... } after a rug pull
 */
import { isObject } from '../mcp/jsonrpc.js';
import { canonicalJson, comparePins, fingerprintTools, MAX_TOOL_NAME } from '../mcp/pins.js';
import type { PinComparison } from '../mcp/pins.js';

export const CARD_PIN_FIELDS = [
  'name',
  'description',
  'url',
  'preferredTransport',
  'additionalInterfaces',
  'supportedInterfaces',
  'provider',
  'securitySchemes',
  'security',
  'securityRequirements',
  'defaultInputModes',
  'defaultOutputModes',
] as const;
export const SKILL_PIN_FIELDS = ['id', 'name', 'description', 'tags', 'examples', 'inputModes', 'outputModes', 'security', 'securityRequirements'] as const;
/** The pin name of the card itself; skills are `skill:<id>`. */
export const CARD_PIN_NAME = 'card';

/** A pseudo-tool, in the shape `ToolPinStore.check` and `comparePins` take. */
export interface A2aPinTool {
  name: string;
  /** Canonical JSON of the pinned fields. */
  description: string;
}

export interface A2aPinTools {
  tools: A2aPinTool[];
  /** Places in the card that cannot be pinned (`card`, `skills[2]`); the card scan blocks them. */
  invalid: string[];
}

/**
 * The pseudo-tools to pin for a card.
 *
 * @example
 * agentCardPinTools({ name: 'w', skills: [{ id: 'f', name: 'F' }, { name: 'no id' }] })
 * // { tools: [{ name: 'card', description: '{"name":"w"}' }, { name: 'skill:f', description: '{"id":"f","name":"F"}' }], invalid: ['skills[1]'] }
 */
export function agentCardPinTools(card: unknown): A2aPinTools {
  if (!isObject(card)) return { tools: [], invalid: ['card'] };
  const out: A2aPinTools = { tools: [], invalid: [] };
  const def: Record<string, unknown> = pick(card, CARD_PIN_FIELDS);
  if (isObject(card.capabilities) && card.capabilities.extensions !== undefined) def.extensions = card.capabilities.extensions;
  push(out, CARD_PIN_NAME, def, 'card');
  if (!Array.isArray(card.skills)) {
    if (card.skills !== undefined) out.invalid.push('skills');
    return out;
  }
  card.skills.forEach((s, i) => {
    const name = isObject(s) && typeof s.id === 'string' && s.id !== '' ? `skill:${s.id}` : undefined;
    if (name === undefined || name.length > MAX_TOOL_NAME) out.invalid.push(`skills[${i}]`);
    else push(out, name, pick(s as Record<string, unknown>, SKILL_PIN_FIELDS), `skills[${i}]`);
  });
  return out;
}

/**
 * Pin name to fingerprint for a card (what a store would hold after pinning it).
 *
 * @example
 * agentCardFingerprints(card).get('skill:forecast') // '9c1e...' (64 hex digits)
 */
export function agentCardFingerprints(card: unknown): Map<string, string> {
  return fingerprintTools(agentCardPinTools(card).tools).hashes;
}

/**
 * Compare a card against pins (pin name to fingerprint), as `comparePins` does
 * for a tools/list: `changed` holds a rug pull, and a skill id listed twice
 * with two definitions.
 *
 * @example
 * compareAgentCardPins(agentCardFingerprints(original), drifted).changed // ['skill:review']
 */
export function compareAgentCardPins(pinned: ReadonlyMap<string, string>, card: unknown): PinComparison {
  return comparePins(pinned, agentCardPinTools(card).tools);
}

function pick(obj: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (obj[f] !== undefined) out[f] = obj[f];
  return out;
}

function push(out: A2aPinTools, name: string, def: Record<string, unknown>, where: string): void {
  try {
    out.tools.push({ name, description: canonicalJson(def) });
  } catch {
    // Nested past canonicalJson's bound: not pinnable, and the card scan blocks it as not scanned.
    out.invalid.push(where);
  }
}
