/**
 * Which local user may mint which agent identity over the control socket. Pure: the
 * control server passes the peer's uid (from SO_PEERCRED) and the grants of the
 * config in force.
 *
 * The rule: the gate's own user and root may mint any identity (they can read the
 * signing key anyway); any other uid only what a `control.mint` grant names, and
 * nothing by default. So an agent running as its own user, which cannot read the
 * data directory, gets exactly the identities the operator granted that user.
 *
 * @example
 * mayMint({ uid: 1001 }, { tenant: 'acme', agent: 'intern-bot' }, grants, process.getuid());
 * // { ok: true } or { ok: false, reason: 'uid 1001 may not mint tenant acme, agent support-bot; ...' }
 */
import type { MintGrant } from '../config/control-section.js';
import { compileNameGlob } from '../policy/name-glob.js';

export type MintVerdict = { ok: true } | { ok: false; reason: string };

export function mayMint(peer: { uid: number }, want: { tenant: string; agent: string }, grants: readonly MintGrant[], gateUid: number): MintVerdict {
  if (peer.uid === 0 || peer.uid === gateUid) return { ok: true };
  const mine = grants.filter((g) => g.uid === peer.uid);
  if (mine.some((g) => compileNameGlob(g.tenant)(want.tenant) && compileNameGlob(g.agent)(want.agent))) return { ok: true };
  const what = `uid ${peer.uid} may not mint tenant ${want.tenant}, agent ${want.agent}`;
  if (mine.length === 0) return { ok: false, reason: `${what}: control.mint in the gate's config grants this uid nothing` };
  const granted = mine.map((g) => `tenant ${g.tenant} agent ${g.agent}`).join('; ');
  return { ok: false, reason: `${what}: control.mint grants it only: ${granted}` };
}
