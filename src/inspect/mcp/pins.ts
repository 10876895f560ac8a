/**
 * Rug-pull detection, the pure part: a fingerprint per tool definition and the
 * comparison of a tools/list against the pinned fingerprints. The store that
 * keeps pins per tenant and server is `state/tool-pins.ts`.
 *
 * The fingerprint covers what the model reads and what shapes the call: name,
 * title, description, input and output schemas, annotations. `_meta` and any
 * other field are left out (servers put volatile data there). Canonical JSON
 * (keys sorted, no whitespace) makes it independent of key order.
 *
 * @example
 * const pins = new Map([['get_weather', toolFingerprint(original)]]);
 * comparePins(pins, [changed]) // { new: [], changed: ['get_weather'], removed: [], unchanged: [], ... }
 */
import { createHash } from 'node:crypto';
import { isObject } from './jsonrpc.js';

export const FINGERPRINT_FIELDS = ['name', 'title', 'description', 'inputSchema', 'outputSchema', 'annotations'] as const;

const MAX_DEPTH = 64;
/** Longer names are not tools Sluice pins (MCP suggests at most 128 characters). */
export const MAX_TOOL_NAME = 512;
const MAX_NAME = MAX_TOOL_NAME;

/**
 * JSON with object keys sorted (by UTF-16 code unit), no whitespace; `undefined`
 * properties dropped as JSON.stringify does. Throws RangeError past 64 levels.
 *
 * @example
 * canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] }) // '{"a":[{"c":3,"d":2}],"b":1}'
 */
export function canonicalJson(value: unknown, depth = 0): string {
  if (depth > MAX_DEPTH) throw new RangeError(`canonicalJson: nested deeper than ${MAX_DEPTH}`);
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v, depth + 1))).join(',')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k], depth + 1)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * sha256 (hex) of the canonical JSON of the tool's fingerprinted fields.
 *
 * @example
 * toolFingerprint({ name: 'a', description: 'x', inputSchema: { type: 'object' } }) // '3f1c...' (64 hex digits)
 */
export function toolFingerprint(tool: Record<string, unknown>): string {
  const picked: Record<string, unknown> = {};
  for (const f of FINGERPRINT_FIELDS) if (tool[f] !== undefined) picked[f] = tool[f];
  return createHash('sha256').update(canonicalJson(picked)).digest('hex');
}

export interface ToolHashes {
  /** Name to fingerprint, for every tool with a string name. */
  hashes: Map<string, string>;
  /** Names listed more than once with different definitions: never trusted. */
  conflicting: string[];
  /** Positions of entries that are not tools (no string name, or one over MAX_TOOL_NAME). */
  invalid: number[];
}

/**
 * Fingerprint a tools/list `tools` array.
 *
 * @example
 * fingerprintTools([{ name: 'a' }, 42]).invalid // [1]
 */
export function fingerprintTools(tools: readonly unknown[]): ToolHashes {
  const hashes = new Map<string, string>();
  const conflicting = new Set<string>();
  const invalid: number[] = [];
  for (const [i, t] of tools.entries()) {
    if (!isObject(t) || typeof t.name !== 'string' || t.name === '' || t.name.length > MAX_NAME) {
      invalid.push(i);
      continue;
    }
    let h: string;
    try {
      h = toolFingerprint(t);
    } catch {
      invalid.push(i);
      continue;
    }
    const prior = hashes.get(t.name);
    if (prior !== undefined && prior !== h) conflicting.add(t.name);
    hashes.set(t.name, h);
  }
  return { hashes, conflicting: [...conflicting], invalid };
}

export interface PinComparison {
  /** Listed, not pinned. */
  new: string[];
  /** Pinned, listed with a different fingerprint (or listed twice, differently). */
  changed: string[];
  /** Pinned, not listed. */
  removed: string[];
  unchanged: string[];
  /** Positions of entries that are not tools. */
  invalid: number[];
  /** The listed tools' fingerprints. */
  hashes: Map<string, string>;
}

/**
 * Compare a tools/list against pins. A name listed twice with two definitions
 * counts as changed, pinned or not: a server must not show two faces of one tool.
 *
 * @example
 * comparePins(new Map([['a', h1], ['b', h2]]), [toolA, toolC])
 * // { new: ['c'], changed: [], removed: ['b'], unchanged: ['a'], invalid: [], hashes }
 */
export function comparePins(pinned: ReadonlyMap<string, string>, tools: readonly unknown[]): PinComparison {
  const { hashes, conflicting, invalid } = fingerprintTools(tools);
  const conflict = new Set(conflicting);
  const out: PinComparison = { new: [], changed: [], removed: [], unchanged: [], invalid, hashes };
  for (const [name, h] of hashes) {
    const pin = pinned.get(name);
    if (conflict.has(name) || (pin !== undefined && pin !== h)) out.changed.push(name);
    else if (pin === undefined) out.new.push(name);
    else out.unchanged.push(name);
  }
  for (const name of pinned.keys()) if (!hashes.has(name)) out.removed.push(name);
  return out;
}
