/**
 * `inspect:`: what the gate looks for in traffic, both ways. Rules may override the
 * two actions (`rules[].inspect`); everything else is gate-wide.
 */
import * as z from 'zod';
import { intInRange, strictSection } from './fields.js';

const dlpAction = z.enum(['block', 'redact', 'warn', 'off']);

const extraPattern = strictSection({
  id: z.string().regex(/^[a-z0-9_.-]{1,64}$/, { error: 'expected a pattern id of lower-case letters, digits, _ . -' }),
  regex: z.string().min(1).max(512, { error: 'a pattern is at most 512 characters' }),
  action: z.enum(['block', 'redact', 'warn']).optional(),
  keywords: z.array(z.string().min(2)).optional(),
});

export const inspectSchema = strictSection({
  dlp: strictSection({
    /** Default action for findings (a pattern's own default applies when it is milder, e.g. public keys warn). */
    action: dlpAction.default('block'),
    /** Per-pattern overrides by id, e.g. `{ jwt: warn, generic_password_assignment: off }`. */
    patterns: z.record(z.string(), dlpAction).default({}),
    extra_patterns: z.array(extraPattern).default([]),
    /** More values never to let out (every secret-store value is included already): `env:NAME`, `file:PATH` or a store name. */
    known_secrets: z.array(z.string().min(1)).default([]),
    /** Request body bytes scanned (decoded, for a compressed body); what goes past is `on_incomplete`'s to decide. */
    max_body_bytes: intInRange(1024, 1 << 30, ' (bytes)').prefault(4 * 1024 * 1024),
    /**
     * When DLP cannot read everything: a body past `max_body_bytes` (`dlp_scan_limit`,
     * refused 413 `body_too_large_to_scan`) or encodings nested past the decode budget
     * or depth (`dlp_scan_incomplete`, 403 `dlp_blocked`). `block` (default) fails
     * closed; `warn` records the finding and lets the unread rest through.
     */
    on_incomplete: z.enum(['block', 'warn']).default('block'),
    /** Hostname exfiltration checks before any DNS lookup. */
    hostnames: z.boolean().default(true),
  }).prefault({}),
  /** Prompt-injection scanning of responses: block (default), strip, warn, or off. */
  injection: z.enum(['block', 'strip', 'warn', 'off']).default('block'),
  /**
   * Injection rule ids (`role-system-notice`, `intent-override`, ...) or categories
   * (`tool_coercion`, `hidden_text`) switched off gate-wide: what a deployment's own
   * traffic shows to be noise. `sluice explain` and the audit record name the rule.
   */
  injection_disabled: z.array(z.string().regex(/^[a-z_-]{3,64}$/, { error: 'expected an injection rule id or category' })).default([]),
  /** Response bytes held before the head is sent, so a block can still be a clean 403. */
  response_hold_bytes: intInRange(0, 16 * 1024 * 1024, ' (bytes)').prefault(256 * 1024),
  /** How long scanned bytes of a streaming response (NDJSON, text) may be held for more before they go: streams flow. */
  response_hold_ms: intInRange(1, 60_000, ' (ms)').prefault(50),
  /** CPU time one exchange's inspection may use; past it the exchange is refused (`inspection_budget_exceeded`). */
  scan_budget_ms: intInRange(0, 600_000, ' (ms)').prefault(5000),
  max_response_scan_bytes: intInRange(1024, 1 << 30, ' (bytes)').prefault(4 * 1024 * 1024),
  max_decompressed_bytes: intInRange(1024, 1 << 30, ' (bytes)').prefault(64 * 1024 * 1024),
  max_decompression_ratio: intInRange(2, 100_000).prefault(200),
  /**
   * WebSocket sessions (proxied frame by frame): text messages are reassembled up to
   * `max_message_bytes` and scanned (DLP out, injection in); binary messages from the
   * agent are DLP-scanned (held up to `max_message_bytes` while scanned) or refused
   * (`binary: deny`). permessage-deflate is always negotiated off.
   */
  websocket: strictSection({
    max_message_bytes: intInRange(1024, 1 << 30, ' (bytes)').prefault(1024 * 1024),
    binary: z.enum(['allow', 'deny']).default('allow'),
    max_binary_bytes: intInRange(0, 1 << 30, ' (bytes)').prefault(16 * 1024 * 1024),
  }).prefault({}),
});
export type InspectConfig = z.output<typeof inspectSchema>;
