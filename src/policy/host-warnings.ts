/**
 * Rules that name a host the gate refuses before any rule is consulted: a loopback
 * name (`localhost`, `*.localhost`) is always `ssrf_blocked`, so such a rule can never
 * match. Said by `sluice policy check` and `sluice start`, not refused: the file is
 * still a valid policy.
 */
import { isLoopbackName } from '../net/host.js';
import type { RuleSpec } from './types.js';

/**
 * @example
 * loopbackNameWarnings([{ id: 'dev', hosts: ['localhost'] }]);
 * // ["rule dev: host 'localhost' is a loopback name, refused as ssrf_blocked before any rule; name the address (127.0.0.1) instead"]
 */
export function loopbackNameWarnings(rules: readonly RuleSpec[]): string[] {
  const out: string[] = [];
  for (const r of rules) {
    for (const h of r.hosts ?? []) {
      const name = h.startsWith('*.') ? h.slice(2) : h;
      if (isLoopbackName(name.toLowerCase().replace(/\.$/, ''))) {
        out.push(`rule ${r.id}: host '${h}' is a loopback name, refused as ssrf_blocked before any rule; name the address (127.0.0.1) instead`);
      }
    }
  }
  return out;
}
