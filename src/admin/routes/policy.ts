/**
 * The policy: the version serving now, the versions this gate loaded with what changed
 * between them, checking a candidate config (the loader and the policy compiler, as a
 * reload would), and replaying the trail against a candidate (`sluice replay`, wired
 * when built: 501 until then).
 *
 * @example
 * curl -H "Authorization: Bearer $OP" --data-binary @candidate.json http://127.0.0.1:9090/api/v1/policy/validate
 */
import * as z from 'zod';
import { ConfigError, formatProblem } from '../../errors.js';
import { parseConfig } from '../../config/load.js';
import { compileConfigPolicy } from '../../policy/compile.js';
import { AdminError } from '../admin-errors.js';
import { json, route } from '../route.js';
import { timeParam } from '../schemas.js';

const versionSchema = z
  .object({ version: z.string(), loaded_at: z.string(), file: z.string(), rules: z.number(), previous: z.string().nullable(), diff: z.string().nullable() })
  .meta({ id: 'PolicyVersion' });

/** Config text is YAML; a candidate is capped well under the body limit. */
const candidateField = z.string().min(1).max(1_000_000).describe('the candidate config file, as YAML text');

export const policyCurrent = route({
  id: 'policy.current',
  method: 'GET',
  path: '/api/v1/policy',
  role: 'auditor',
  summary: 'The policy version serving now, and its config text',
  response: z.object({ version: z.string(), loaded_at: z.string().nullable(), file: z.string().nullable(), rules: z.number(), text: z.string().nullable() }),
  handle: ({ host }) => {
    const cur = host.history.current();
    const version = host.policyVersion();
    const same = cur?.version === version ? cur : null;
    return json({
      version,
      loaded_at: same ? new Date(same.loadedAt).toISOString() : null,
      file: same?.file ?? null,
      rules: host.config().rules.length,
      text: same?.text ?? null,
    });
  },
});

export const policyHistory = route({
  id: 'policy.history',
  method: 'GET',
  path: '/api/v1/policy/history',
  role: 'auditor',
  summary: 'Config versions this gate loaded, newest first, each with its diff from the one before',
  response: z.object({ versions: z.array(versionSchema) }),
  handle: ({ host }) =>
    json({
      versions: host.history.list().map((v) => ({
        version: v.version,
        loaded_at: new Date(v.loadedAt).toISOString(),
        file: v.file,
        rules: v.rules,
        previous: v.previous,
        diff: v.diff,
      })),
    }),
});

export const policyValidate = route({
  id: 'policy.validate',
  method: 'POST',
  path: '/api/v1/policy/validate',
  role: 'auditor',
  summary: 'Check a candidate config as a reload would (schema, then policy compile); nothing is applied',
  body: z.object({ config: candidateField }),
  response: z.object({
    valid: z.boolean(),
    version: z.string().nullable(),
    rules: z.number().nullable(),
    problems: z.array(z.object({ line: z.number().nullable(), column: z.number().nullable(), path: z.string(), message: z.string(), text: z.string() })),
  }),
  handle: ({ host, body }) => {
    // Relative paths in the candidate resolve as the serving config's would.
    const file = host.history.current()?.file ?? 'candidate.yaml';
    try {
      const loaded = parseConfig(body.config, file);
      compileConfigPolicy(loaded.config, loaded.version);
      return json({ valid: true, version: loaded.version, rules: loaded.config.rules.length, problems: [] });
    } catch (err) {
      if (err instanceof ConfigError) {
        const problems = err.problems.map((p) => ({
          line: p.line ?? null,
          column: p.column ?? null,
          path: p.path,
          message: p.message,
          text: formatProblem(p),
        }));
        return json({ valid: false, version: null, rules: null, problems });
      }
      const message = err instanceof Error ? err.message : String(err);
      return json({ valid: false, version: null, rules: null, problems: [{ line: null, column: null, path: '', message, text: message }] });
    }
  },
});

export const policyReplay = route({
  id: 'policy.replay',
  method: 'POST',
  path: '/api/v1/policy/replay',
  role: 'auditor',
  summary: 'Replay recorded decisions against a candidate config: what would change',
  description: 'Answers 501 until the replay engine (sluice replay) is wired into this gate.',
  body: z.object({ config: candidateField, since: timeParam.optional(), until: timeParam.optional(), limit: z.number().int().min(1).max(100_000).optional() }),
  response: z.unknown(),
  handle: async ({ host, body }) => {
    if (host.replay === undefined)
      throw new AdminError(
        'not_implemented',
        'policy replay is not built into this gate yet (sluice replay); validate the candidate with POST /api/v1/policy/validate',
      );
    const opts: { since?: Date; until?: Date; limit?: number } = {};
    if (body.since) opts.since = body.since;
    if (body.until) opts.until = body.until;
    if (body.limit) opts.limit = body.limit;
    return json(await host.replay(body.config, opts));
  },
});
