/**
 * What a credential form is: one `type`, the keys it adds to a rule's `credential:`
 * map (with their field checks), the compiled spec's schema (the one check, for
 * config, policy compile and injection alike), an `explain()`, and an `inject()`.
 * Forms are data: the registry (index.ts) looks each up by its `type`, which is also
 * the config key that selects it (`header:`, `basic:`, `query:`, `placeholder:`).
 *
 * @example
 * const form = credentialForm(spec.type);
 * form.explain(spec);                 // "secret gh in header authorization: Bearer {{secret}}"
 * await form.inject(view, spec, deps);
 */
import type * as z from 'zod';
import type { PlaceholderPlace, RequestView } from '../inject-placeholder.js';
import type { BrokerIdentity, CredentialBroker } from '../broker/broker.js';

export type { BrokerIdentity } from '../broker/broker.js';

/** What every compiled credential carries, whatever its form. */
export interface CredentialBase {
  /** The secret's reference: a store name, `env:NAME` or `file:PATH`. Never its value. */
  secret: string;
  /**
   * Set (true) only when the operator wrote `allow_plaintext: true`: the secret may
   * then travel over plain HTTP. Absent, it is injected only into verified TLS.
   */
  allowPlaintext?: true;
}

/** A rule's credential as the config file writes it: `secret` plus exactly one form's keys. */
export interface CredentialInput {
  /** Absent only for a form that needs no secret (`secretless`: the minted JWT). */
  secret?: string | undefined;
  header?: string | undefined;
  value?: string | undefined;
  basic?: { username: string } | undefined;
  query?: string | undefined;
  placeholder?: { in: readonly PlaceholderPlace[] } | undefined;
  /** The brokered forms' sections (forms/oauth2.ts, token-exchange.ts, jwt.ts), checked by their own schemas. */
  oauth2?: unknown;
  token_exchange?: unknown;
  jwt?: unknown;
  gcp?: unknown;
  hmac?: unknown;
  aws_sigv4?: AwsSigv4Input | undefined;
  /** Allow injecting into plain HTTP (default: verified HTTPS only). */
  allow_plaintext?: boolean | undefined;
}

/** A problem in a `credential:` map: where under it (empty: the map itself) and what. */
export interface CredentialIssue {
  path: string[];
  message: string;
}

/** What an injection needs from the gate. */
export interface InjectDeps {
  /** A reference's value. The form wipes the buffer when it is done with it. */
  resolve(ref: string): Buffer;
  /** Body bytes examined for placeholders (default 1 MiB); see placeholder-stream.ts. */
  maxBodyBytes?: number | undefined;
  /** The request's method, for a form that signs the request (hmac, aws_sigv4). */
  method?: string | undefined;
  /** The credential broker the brokered forms (oauth2, token_exchange, jwt, gcp) fetch, exchange or mint with. */
  broker?: CredentialBroker | undefined;
  /** Who is asking, for per-session credentials; null without an identity. */
  who?: BrokerIdentity | null | undefined;
  /** The request's intent and deciding rule (a minted token's claims, a token's cache key). */
  intent?: string | null | undefined;
  rule?: string | undefined;
  /** An HTTP call through the gate's own resolver and SSRF checks (token and STS endpoints). */
  fetch?: BrokerFetch | undefined;
  /** Called before a form reads the body ahead of sending it: a client that sent `Expect: 100-continue` waits to be told. */
  readingBody?: (() => void) | undefined;
  /**
   * Spellings of a value the form sends besides the stored secret (a fetched token,
   * temporary keys): scrubbed from responses like it. A form that sends such a value
   * and finds no `reflect` refuses (brokerOf), so nothing is sent unscrubbed.
   */
  reflect?: ((needles: readonly Buffer[]) => void) | undefined;
}

/** One bounded HTTP exchange through the gate's vetted dial; rejects when it cannot be made. */
export type BrokerFetch = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<{ status: number; body: string }>;

/** The `aws_sigv4:` map of a rule's credential (forms/aws-sigv4.ts). */
export interface AwsSigv4Input {
  service?: string | undefined;
  region?: string | undefined;
  role_arn?: string | undefined;
  sts_endpoint?: string | undefined;
  session_duration?: number | undefined;
}

/** What an injection changed, never the value. */
export interface InjectionResult {
  /** Lower-case header names set or swapped, and 'query', 'path', 'body'. */
  changed: string[];
  /** The body's length changes: content-length was removed and the body goes chunked. */
  bodyLengthChanged: boolean;
}

/**
 * One credential form. `S` is its compiled spec. `inject` may answer with a Promise (a
 * form that signs the final request or fetches a short-lived token); the static forms
 * answer synchronously so the request path waits for nothing.
 */
export interface CredentialForm<S extends CredentialBase & { type: string }> {
  readonly type: S['type'];
  /** This form's keys in a `credential:` map, each optional there, with its field check. */
  readonly configFields: z.core.$ZodLooseShape;
  /** How this form's keys combine, checked on every `credential:` map whatever its form. */
  configIssues?(raw: Readonly<Record<string, unknown>>): CredentialIssue[];
  /** A map that selects this form (checked) to its compiled spec, without allowPlaintext. */
  fromConfig(c: CredentialInput & { secret: string }): S;
  /** The form needs no `secret:` (it mints its own credential). */
  readonly secretless?: true;
  /** The compiled spec's schema, built from the same fields as `configFields`. */
  readonly schema: z.ZodObject;
  /** One line saying what the credential does, naming the secret's reference, never its value. */
  explain(spec: S): string;
  /** Put the secret into `view` (changed in place). Throws or rejects with CredentialError. */
  inject(view: RequestView, spec: S, deps: InjectDeps): InjectionResult | Promise<InjectionResult>;
  /** Texts this form writes besides the secret's own spellings, for the reflection scrubber. */
  echoes?(spec: S, value: Buffer): string[];
}
