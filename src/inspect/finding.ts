/**
 * One thing an inspector found in traffic. Shared by the outbound DLP engine and the
 * response scanner, and written to the audit record, so it is deliberately small and
 * stable, and it NEVER carries the matched value (not even a prefix): only what kind
 * of thing was found, where, and through which decoding.
 *
 * @example
 * const f: Finding = { type: 'aws_access_key_id', location: 'url.query:key', action: 'block', encoding: 'base64' };
 */
export interface Finding {
  /** Pattern id, e.g. 'aws_access_key_id', 'known_secret', 'hostname_entropy'. */
  type: string;
  /**
   * Where it was found: 'url.path', 'url.query:<key>', 'url.query_key', 'header:<name>',
   * 'body', 'body.json:<path>', 'host'. Names that themselves look like data are replaced
   * by a position ('url.query:#2').
   */
  location: string;
  /** What the caller should do; the strongest action across findings wins. */
  action: FindingAction;
  /** The decode chain that revealed it, outermost first: 'base64', 'hex', 'url+base64'. */
  encoding?: string;
  /** Safe text (a checksum note, a known secret's name), never the value. */
  detail?: string;
}

/** 'block' stops the request, 'redact' rewrites the value, 'warn' only records it. */
export type FindingAction = 'block' | 'redact' | 'warn';

const RANK: Record<FindingAction, number> = { warn: 0, redact: 1, block: 2 };

/**
 * The strongest action among findings, or undefined when there are none.
 *
 * @example
 * strongestAction([{ type: 'x', location: 'body', action: 'warn' }]) // 'warn'
 */
export function strongestAction(findings: readonly Finding[]): FindingAction | undefined {
  let best: FindingAction | undefined;
  for (const f of findings) if (best === undefined || RANK[f.action] > RANK[best]) best = f.action;
  return best;
}

/**
 * A finding with only its own fields, as it may be written to an audit record or a
 * response: scanners may attach more (an injection finding's excerpt of the matched
 * text) that must never leave.
 *
 * @example
 * auditFinding(injectionFinding) // { type, location, action, detail? , encoding? }: no excerpt
 */
export function auditFinding(f: Finding): Finding {
  return {
    type: f.type,
    location: f.location,
    action: f.action,
    ...(f.encoding !== undefined ? { encoding: f.encoding } : {}),
    ...(f.detail !== undefined ? { detail: f.detail } : {}),
  };
}

/** The fields two findings are compared on (an inspector's finding, or the audit record's). */
type FindingFields = Pick<Finding, 'type' | 'location' | 'encoding' | 'detail'> & { action: string };

/**
 * Add findings to a record's list, leaving out any it already holds (equal in every
 * field). A scanner records what it finds and refuses with copies of the same findings;
 * the refusal's own (a limit, an unreadable body) are new and added.
 *
 * @example
 * addFindingsOnce(ctx.findings, refusal.findings) // each finding on the record once
 */
export function addFindingsOnce<F extends FindingFields>(into: F[], more: readonly F[]): void {
  if (more.length === 0) return;
  const key = (f: F): string => `${f.type}\0${f.location}\0${f.action}\0${f.encoding ?? ''}\0${f.detail ?? ''}`;
  const had = new Set(into.map(key));
  for (const f of more) {
    const k = key(f);
    if (had.has(k)) continue;
    had.add(k);
    into.push(f);
  }
}
