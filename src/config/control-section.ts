/**
 * The `control:` section: where the gate's control socket is, and which other local
 * users may ask it for agent tokens (`sluice run`, `sluice mcp`), for which
 * identities. The gate's own user and root may always mint any identity; everyone
 * else may mint nothing unless a grant here names their uid.
 *
 * @example
 * control:
 *   socket: /run/sluice/control.sock   # default: <data_dir>/control.sock
 *   mint:
 *     - uid: 1001                      # the agent user
 *       tenant: acme
 *       agent: "intern-*"              # '*' is any run of characters
 */
import * as z from 'zod';
import { describeValue } from './describe-value.js';
import { emptyAsAbsent, strictSection } from './fields.js';

// The name charset of tokens (identity/names.ts) plus '*'.
const NAME_GLOB = /^[A-Za-z0-9._:@*-]{1,128}$/;

const nameGlobField = z.string().refine((s) => NAME_GLOB.test(s), {
  error: (i) => `expected a tenant or agent name, '*' for any run of characters (1-128 of A-Z a-z 0-9 . _ : @ - *); got ${describeValue(i.input)}`,
});

const mintGrantSchema = strictSection({
  uid: z
    .number({ error: (i) => `expected a numeric user id (id -u NAME); got ${describeValue(i.input)}` })
    .int()
    .min(0)
    .max(0xfffffffe),
  tenant: nameGlobField,
  agent: nameGlobField,
});

export type MintGrant = z.output<typeof mintGrantSchema>;

export const controlSchema = strictSection({
  // Relative to the config file's folder; the loader fills in the default.
  socket: z.string().min(1, { error: 'expected a socket path; got an empty string' }).optional(),
  mint: emptyAsAbsent(z.array(mintGrantSchema).default([])),
});
