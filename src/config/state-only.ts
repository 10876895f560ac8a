/**
 * The `state:` section of a config that does not load, for the emergency commands
 * (`sluice revoke`, `sluice kill`, `sluice quarantine`, `sluice approvals`): on the
 * shared backend the revocation must reach PostgreSQL, never a local `state.db` no
 * gate reads, so a bad edit elsewhere in the file must not send it there.
 */
import { readFileSync } from 'node:fs';
import { isMap, isScalar, parseDocument } from 'yaml';
import { stateSchema, type StateConfig } from './state-section.js';

/**
 * The file's `state:` section checked on its own: `absent` when the file has none (the
 * embedded default applies), `invalid` when it has one that does not parse (the caller
 * must not guess), else the section.
 *
 * @example
 * const s = stateDespiteErrors('/srv/sluice/sluice.yaml'); // { backend: 'postgres', ... }
 */
export function stateDespiteErrors(file: string): StateConfig | 'absent' | 'invalid' {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return 'invalid';
  }
  const root = parseDocument(text, { uniqueKeys: false, prettyErrors: false }).contents;
  if (!isMap(root)) return 'absent';
  const found = root.items.filter((p) => isScalar(p.key) && p.key.value === 'state');
  if (found.length === 0) return 'absent';
  if (found.length > 1) return 'invalid';
  const parsed = stateSchema.safeParse(found[0]?.value?.toJSON?.() ?? found[0]?.value);
  return parsed.success ? parsed.data : 'invalid';
}
