import type { AuditReader } from '../runtime/index.js';

/**
 * Whether the audit trail has ever seen this session or agent: a typo'd id would
 * otherwise be "revoked" with nothing to tell the operator the real one still works.
 * A note, never a refusal: a session may be revoked before its first request.
 * Null when there is nothing to say (seen, or no audit.db to look in).
 *
 * @example
 * await unseenNote(new SqliteAuditReader('/srv/sluice'), 'session', 'ses_typo', null);
 */
export async function unseenNote(trail: AuditReader, kind: 'session' | 'agent' | 'token', value: string, tenant: string | null): Promise<string | null> {
  if (kind === 'token') return null; // records carry no token id
  const db = trail.file;
  let seen: boolean;
  try {
    if (!(await trail.exists())) return null;
    seen = (await trail.query({ [kind]: value, ...(tenant === null ? {} : { tenant }), limit: 1 })).length > 0;
  } catch {
    return null; // an unreadable trail must not block a revocation
  }
  if (seen) return null;
  const scope = tenant === null ? '' : ` in tenant ${tenant}`;
  return `no such ${kind} seen: '${value}'${scope} is in no audit record in ${db}; recorded anyway (a ${kind} may be revoked before its first request); check the id with 'sluice audit query --${kind} ...' or 'sluice status'`;
}
