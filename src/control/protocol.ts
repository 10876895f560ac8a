/**
 * The control channel's messages, shared by the gate (control-routes.ts) and the
 * CLI (control-client.ts). JSON over HTTP/1.1 on the control socket; every refusal
 * is `{ error, reason }` with a 4xx/5xx status.
 *
 * | request | body | answer |
 * | --- | --- | --- |
 * | `GET /v1/status` | | StatusAnswer |
 * | `POST /v1/runs` | MintRequest | RunAnswer (a fresh session) |
 * | `POST /v1/runs/renew` | RenewRequest | RenewAnswer |
 * | `POST /v1/runs/end` | RenewRequest | `{ ended: true }` |
 * | `POST /v1/runs/scan` | RenewRequest + `payload` | `{ findings }`: stored secrets in a tool call's arguments (for `sluice mcp`) |
 */

export interface MintRequest {
  tenant: string;
  agent: string;
  human?: string | null;
  labels?: Record<string, string>;
  /** Token lifetime; default 1 h, at most 24 h and the gate's `identity.max_ttl`. */
  ttl_ms?: number;
  /** `ttl_ms` is the command's default, not the user's choice: the gate may shorten it to its `identity.max_ttl`. */
  ttl_default?: boolean;
}

/** Who the run is, as the gate will see it. */
export interface RunIdentity {
  tenant: string;
  agent: string;
  session: string;
  human: string | null;
  labels: Record<string, string>;
  token_id: string;
  issued_at: number;
  expires_at: number;
  policy_version: string | null;
}

export interface RunAnswer {
  /** The agent token (JWT). Held by `sluice run`, not given to the child. */
  token: string;
  /** The run-scoped proxy password the child gets (identity/run-aliases.ts). */
  alias: string;
  identity: RunIdentity;
  /** Where the gate's proxy listens (a wildcard listen address as loopback). */
  proxy: { host: string; port: number };
  /** The interception CA certificate the child must trust (public). */
  ca_cert: string;
}

export interface RenewRequest {
  token: string;
  alias: string;
}

export interface RenewAnswer {
  token: string;
  identity: RunIdentity;
  /** False when the token was young enough to keep (the call only confirmed the alias). */
  renewed: boolean;
}

export interface StatusAnswer {
  gate: 'up';
  pid: number;
  policy_version: string;
  proxy: { host: string; port: number };
  /** Open exchanges under an identity (requests, WebSockets, tunnels). */
  exchanges: number;
  tunnels: number;
  /** Live `sluice run` / `sluice mcp` runs (alias bound, token unexpired). */
  runs: number;
  /** Sessions with open exchanges or a live run; only for the gate's own user and root. */
  sessions?: Array<{ tenant: string; agent: string; session: string; exchanges: number; run_expires_at: number | null }>;
}

export interface ControlRefusal {
  error: 'mint_refused' | 'revoked' | 'bad_request' | 'not_found' | 'unavailable' | 'token_invalid';
  reason: string;
}
