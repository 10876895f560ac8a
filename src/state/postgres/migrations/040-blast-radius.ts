/**
 * The blast radius shared by replicas (state/postgres/pg-blast-radius.ts): one row per
 * session key, its critical domains and tool-call count, when it was last seen.
 *
 * @example
 * import { BLAST_RADIUS_MIGRATIONS } from './040-blast-radius.js'; // listed in MIGRATIONS (index.ts)
 */
import type { Migration } from './index.js';

export const BLAST_RADIUS_MIGRATIONS: readonly Migration[] = [
  {
    name: '040-blast-radius',
    up: [
      `CREATE TABLE blast_sessions (
        key bytea PRIMARY KEY,
        domains text[] NOT NULL DEFAULT '{}',
        calls integer NOT NULL DEFAULT 0,
        seen bigint NOT NULL
      )`,
      'CREATE INDEX blast_sessions_seen ON blast_sessions (seen)',
    ],
  },
];
