/**
 * Operator roles, each including the one before it: an `auditor` reads, an
 * `approver` reads and decides approvals, an `admin` does everything.
 *
 * @example
 * roleAllows('approver', 'auditor'); // true
 * roleAllows('auditor', 'approver'); // false
 */
export const ROLES = ['auditor', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

/** Whether a token of role `have` may call a route that needs `need`. */
export function roleAllows(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}
