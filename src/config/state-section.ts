/**
 * The `state:` section: where the state shared by gates and the CLI lives
 * (revocations, tool pins, run participants). Today only the embedded SQLite
 * database in `data_dir` (state.db); the network backends DESIGN.md names are
 * refused by name, so a config written for a later version fails at load with a
 * message instead of silently using a local file the other gates do not share.
 *
 * @example
 * state:
 *   backend: sqlite   # the default, and the only backend in this version
 */
import type * as z from 'zod';
import { describeValue } from './describe-value.js';
import { parsedBy, strictSection } from './fields.js';

/** Backends this version opens (runtime/state-backend.ts). */
export const STATE_BACKENDS = ['sqlite'] as const;
export type StateBackendName = (typeof STATE_BACKENDS)[number];

/** Backends planned but not built: named in the error so the operator knows it is the version, not a typo. */
const PLANNED = ['postgres', 'redis'];

const backendField = parsedBy((v): StateBackendName => {
  if (v === 'sqlite') return v;
  if (typeof v === 'string' && PLANNED.includes(v)) {
    throw new TypeError(`'${v}' is not yet supported in this version; the only state backend is sqlite (state.db in data_dir)`);
  }
  throw new TypeError(`expected sqlite (postgres and redis are not yet supported in this version); got ${describeValue(v)}`);
});

export const stateSchema = strictSection({
  backend: backendField.default('sqlite'),
});

export type StateConfig = z.output<typeof stateSchema>;
