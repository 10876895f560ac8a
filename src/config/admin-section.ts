/**
 * The `admin:` section: the operator's HTTP API (src/admin/), on a listener of its
 * own, never the proxy port. Absent `listen`: no admin listener. Operators present a
 * token minted by `sluice operator token` (signed with `operator-key.pem` in the data
 * directory); the config holds no token and no hash of one.
 *
 * @example
 * admin:
 *   listen: 127.0.0.1:9090      # off when absent
 *   max_token_ttl: 168h         # longest lifetime a verified operator token may have
 *   console: true               # the web console at /console/ (default)
 *   console_dir: ./my-console   # serve another build of it instead (optional)
 *   metrics: true               # GET /metrics for the auditor role and up
 *   policy_history: 50          # config versions kept for GET /api/v1/policy/history
 */
import * as z from 'zod';
import { durationField, intInRange, listenField, strictSection } from './fields.js';

export const adminSchema = strictSection({
  listen: listenField.optional(),
  max_token_ttl: durationField({ positive: true }).prefault('168h'),
  console: z.boolean().default(true),
  console_dir: z.string().min(1, { error: 'expected a folder path; got an empty string' }).optional(),
  metrics: z.boolean().default(true),
  policy_history: intInRange(1, 1000).prefault(50),
});

export type AdminConfig = z.output<typeof adminSchema>;
