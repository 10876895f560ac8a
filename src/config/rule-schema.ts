/**
 * One policy rule: who it is for, what it matches, what happens. Every key is
 * optional but `id`; an absent matcher matches anything. A rule with `mcp:` is
 * an MCP tool rule instead: it decides tool calls, never HTTP requests. Values come out as
 * written except methods (upper-cased) and header names (lower-cased); defaults
 * for `action` and `mode` are applied by the policy compiler.
 *
 * @example
 * ruleSchema.parse({ id: 'github', hosts: ['api.github.com'], methods: ['get'] }).methods; // ['GET']
 */
import * as z from 'zod';
import { credentialConfigFields, credentialConfigIssues, secretField } from '../credentials/forms/index.js';
import { describeValue } from './describe-value.js';
import { hostPatternField, intInRange, strictSection } from './fields.js';
import { mcpMatchSchema, toolRuleClashes } from './mcp-rule-schema.js';
import { rateLimitSchema } from './rate-limit-section.js';
import { approvalRuleIssues, ruleApprovalSchema } from './approvals-section.js';
import { redactField } from './redact-field.js';
import { headerMapField, headerNameField, intentField, listOf, methodField, nameGlobField, pathPatternField, portField, refNameField } from './rule-fields.js';

const RULE_ID = /^[A-Za-z0-9._-]+$/;

/** A rule's `credential:` map: the forms' own keys and checks (credentials/forms/). */
const credentialSchema = strictSection({
  // Every form but the minted JWT needs one (credentialConfigIssues says so).
  secret: secretField.optional(),
  ...credentialConfigFields,
  /** The secret may travel over plain HTTP; without it, only into verified TLS. */
  allow_plaintext: z.boolean().optional(),
}).superRefine(
  (c, ctx) => {
    for (const { path, message } of credentialConfigIssues(c)) ctx.addIssue({ code: 'custom', path, message });
  },
  { when: () => true },
);

const respondSchema = strictSection({
  status: intInRange(100, 599, ' (an HTTP status)'),
  headers: headerMapField.optional(),
  body: z.string().optional(),
});

const headersSchema = strictSection({
  set: headerMapField.optional(),
  remove: z.array(headerNameField).optional(),
});

/** The rule's shape; the refinements below check how keys combine. */
export const ruleSchema = strictSection({
  id: z.string().regex(RULE_ID, { error: (i) => `expected an id made of letters, digits, '.', '_' or '-'; got ${describeValue(i.input)}` }),
  tenants: listOf(nameGlobField, '[acme]').optional(),
  agents: listOf(nameGlobField, "[support-bot, 'ci-*']").optional(),
  labels: z.record(z.string().min(1), z.string()).optional(),
  hosts: z.array(hostPatternField).min(1, { error: 'expected at least one host, like [api.example.com]' }).optional(),
  ports: listOf(portField, '[443, "8000-8100"]').optional(),
  schemes: listOf(z.enum(['http', 'https']), '[https]').optional(),
  methods: listOf(methodField, '[GET, HEAD]').optional(),
  paths: listOf(pathPatternField, '["/repos/acme/**"]').optional(),
  case_sensitive: z.boolean().optional(),
  intent: intentField.optional(),
  action: z.enum(['allow', 'deny', 'approve']).optional(),
  mode: z.enum(['enforce', 'report']).optional(),
  credential: credentialSchema.optional(),
  route: refNameField.optional(),
  respond: respondSchema.optional(),
  headers: headersSchema.optional(),
  inspect: strictSection({
    dlp: z.enum(['block', 'redact', 'warn', 'off']).optional(),
    injection: z.enum(['block', 'strip', 'warn', 'off']).optional(),
  }).optional(),
  /** A token bucket on what this rule allows (rate-limit-section.ts). */
  rate_limit: rateLimitSchema.optional(),
  /** Response fields replaced before the agent reads them (redact-field.ts): a partial result. */
  redact: redactField.optional(),
  /** What what this rule allows does, for budgets' `writes` (budget-section.ts): default, by method; a tool call, read. */
  effect: z.enum(['read', 'write']).optional(),
  /** Makes this an MCP tool rule (see mcp-rule-schema.ts). */
  mcp: mcpMatchSchema.optional(),
  /** Who approves what an `action: approve` rule matches, and how (approvals-section.ts). */
  approval: ruleApprovalSchema.optional(),
  /** Free tags; `critical` marks a domain for the blast radius (blast_radius:). */
  tags: listOf(z.string().regex(/^[a-z0-9_-]{1,32}$/, { error: 'expected a tag like critical' }), '[critical]').optional(),
}).superRefine(
  (rule, ctx) => {
    const raw = rule as Record<string, unknown>;
    for (const { key, message } of approvalRuleIssues(raw)) ctx.addIssue({ code: 'custom', path: [key], message });
    if (raw.case_sensitive !== undefined && raw.paths === undefined) {
      ctx.addIssue({ code: 'custom', path: ['case_sensitive'], message: "'case_sensitive' says how 'paths' compare; add paths or remove it" });
    }
    if (raw.mcp !== undefined) {
      for (const { key, message } of toolRuleClashes(raw)) ctx.addIssue({ code: 'custom', path: [key], message });
      return;
    }
    if (raw.action === 'deny') {
      for (const key of ['credential', 'route', 'respond', 'headers', 'inspect', 'rate_limit', 'redact']) {
        if (raw[key] !== undefined)
          ctx.addIssue({ code: 'custom', path: [key], message: `a deny rule cannot have '${key}'; it only applies to allowed requests` });
      }
      return;
    }
    const clash = ['route', 'credential'].filter((key) => raw[key] !== undefined).map((key) => `'${key}'`);
    if (raw.respond !== undefined && clash.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['respond'], message: `'respond' answers without an upstream, so it cannot go with ${clash.join(' or ')}` });
    }
  },
  { when: () => true },
);
export type Rule = z.output<typeof ruleSchema>;

/** Rule ids name decisions in the audit trail, so two rules must never share one. */
export const rulesSchema = z.array(ruleSchema).superRefine(
  (rules, ctx) => {
    const first = new Map<string, number>();
    rules.forEach((rule: unknown, i) => {
      const id = (rule as { id?: unknown } | null)?.id;
      if (typeof id !== 'string') return;
      const seen = first.get(id);
      if (seen === undefined) first.set(id, i);
      // `firstAt` lets the loader name the first rule's line.
      else ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate rule id '${id}'`, params: { firstAt: [seen, 'id'] } });
    });
  },
  // Report duplicates even when another rule has an unrelated problem: one pass, every problem.
  { when: () => true },
);
