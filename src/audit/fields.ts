/**
 * The audit record's field names. One place, so every sink, query and test agrees,
 * and a rename is a visible, reviewed change (users build dashboards on these).
 */
export const F = {
  decisionId: 'decision_id',
  time: 'time',
  tenant: 'tenant',
  agent: 'agent',
  session: 'session',
  human: 'human',
  method: 'method',
  scheme: 'scheme',
  host: 'host',
  port: 'port',
  path: 'path',
  intent: 'intent',
  outcome: 'outcome',
  reason: 'reason',
  rule: 'rule',
  policyVersion: 'policy_version',
  credential: 'credential',
  route: 'route',
  status: 'status',
  bytesIn: 'bytes_in',
  bytesOut: 'bytes_out',
  durationMs: 'duration_ms',
  findings: 'findings',
  transport: 'transport',
  address: 'address',
  error: 'error',
  synthesised: 'synthesised',
  rewritten: 'rewritten',
  protocol: 'protocol',
  server: 'server',
  tool: 'tool',
  parentId: 'parent_id',
  budget: 'budget',
  model: 'model',
  tokensIn: 'tokens_in',
  tokensOut: 'tokens_out',
  cost: 'cost',
  approvalId: 'approval_id',
  chainId: 'chain_id',
  chainSeq: 'chain_seq',
  chainPrev: 'chain_prev',
  chainHash: 'chain_hash',
} as const;

/** What happened to the request, as the audit trail and metrics name it. */
/**
 * `challenge`: a request with no Proxy-Authorization at all, answered 407 so the client
 * sends its credentials (git and curl's anyauth first ask without them): the expected
 * first half of a handshake, not a refusal. Its reason stays `identity_required`, so a
 * client that never answers the challenge is found with `--reason identity_required`.
 */
export type AuditOutcome = 'allow' | 'deny' | 'error' | 'would_deny' | 'challenge';

/** One canonical decision record per request. Never holds a secret value. */
export interface AuditRecord {
  decision_id: string;
  time: string;
  tenant: string | null;
  agent: string | null;
  session: string | null;
  human: string | null;
  method: string;
  scheme: string;
  host: string;
  port: number;
  /** Path only; the query string is never recorded (it is where agents put secrets). */
  path: string;
  intent: string | null;
  outcome: AuditOutcome;
  /** Stable reason code, e.g. `rule_allow`, `no_rule_matched`, `ssrf_blocked`. */
  reason: string;
  rule: string | null;
  policy_version: string;
  credential: string | null;
  route: string | null;
  status: number;
  bytes_in: number;
  bytes_out: number;
  duration_ms: number;
  findings: readonly Finding[];
  /** How the request reached the gate: `http` (absolute-form), `intercept`, `tunnel` (passthrough). */
  transport: 'http' | 'intercept' | 'tunnel' | 'stdio';
  /** The vetted upstream address actually dialled, if any. */
  address: string | null;
  /** Error code when the outcome is `error` (upstream failure, abort). */
  error: string | null;
  /** The gate answered itself (a `respond:` rule); no upstream was contacted. */
  synthesised: boolean;
  /** Names of request headers a rule set or removed (values are never recorded). */
  rewritten: readonly string[];
  /**
   * The protocol a record is about when it is one message exchange inside another
   * transport: `mcp` (a tool call, or a tools/list something was taken out of) or
   * `a2a`; `admin` for a call to the admin API (src/admin/: the operator in `agent`
   * and `human`, the token id in `session`, tenant `sluice:operators`); null for a
   * plain HTTP request.
   */
  protocol: 'mcp' | 'a2a' | 'admin' | null;
  /** The MCP server (configured name, else host) or A2A agent host; null otherwise. */
  server: string | null;
  /** The MCP tool called (or the A2A method); null otherwise. */
  tool: string | null;
  /** The decision id of the HTTP exchange that carried this message, when there was one. */
  parent_id: string | null;
  /**
   * Budgets: on a refusal (`budget_exhausted`, `budget_paused`), the budget that refused;
   * otherwise the budgets the request was counted in, comma-separated; null when none.
   */
  budget: string | null;
  /** An LLM API call: the model its response named (or its path did); null otherwise. */
  model: string | null;
  /** An LLM API call: input (prompt) and output (completion) tokens its response reported; null when it reported none. */
  tokens_in: number | null;
  tokens_out: number | null;
  /** An LLM API call: what its tokens cost at `llm.prices`; null when the model has no price. */
  cost: number | null;
  /** The human approval the request met (pending, granted, denied, expired), when it needed one. */
  approval_id: string | null;
  /**
   * The hash chain (chain.ts), set by the trail before any sink sees the record: the
   * writer's chain (one per process run), the record's place in it, the hash of the
   * record before it, and SHA-256 of this record's canonical form (chain-canonical.ts).
   * Absent on records written before the chain existed.
   */
  chain_id?: string | null;
  chain_seq?: number | null;
  chain_prev?: string | null;
  chain_hash?: string | null;
}

/** Something an inspector found. Names the kind and place, never the value. */
export interface Finding {
  type: string;
  location: string;
  action: string;
  /** The decode chain that revealed it ('base64', 'url+hex', ...). */
  encoding?: string;
  /** Safe text (a pattern's description, a known secret's name), never the value. */
  detail?: string;
}
