/**
 * The credential forms, found by `type`: header, basic, query, placeholder. Each form
 * is one file holding its schema, its `explain()` and its `inject()`; this registry
 * builds from them the config's `credential:` map, the compiled spec union
 * (discriminated by `type`), and the one check that config load, policy compile and
 * injection all run. A new form is one file and one line below.
 *
 * @example
 * const spec = credentialFromConfig({ secret: 'maps_key', query: 'key' });
 * // { type: 'query', secret: 'maps_key', param: 'key' }
 * checkCredential(spec);     // undefined: sound
 * explainCredential(spec);   // "secret maps_key as query parameter 'key'"
 * credentialForm('ldap');    // TypeError: unknown credential type 'ldap'; expected one of header, basic, query, placeholder
 */
import * as z from 'zod';
import { describeValue } from '../../config/describe-value.js';
import { plainIssueMessage } from '../../config/issue-message.js';
import { awsSigv4Form } from './aws-sigv4.js';
import type { AwsSigv4Credential } from './aws-sigv4.js';
import { basicForm } from './basic.js';
import type { BasicCredential } from './basic.js';
import type { CredentialForm, CredentialInput, CredentialIssue } from './form.js';
import { headerForm } from './header.js';
import type { HeaderCredential } from './header.js';
import { placeholderForm } from './placeholder.js';
import type { PlaceholderCredential } from './placeholder.js';
import { queryForm } from './query.js';
import type { QueryCredential } from './query.js';
import { gcpForm, type GcpCredential } from './gcp.js';
import { hmacForm, type HmacCredential } from './hmac.js';
import { jwtForm, type JwtCredential } from './jwt.js';
import { oauth2Form, type OAuth2Credential } from './oauth2.js';
import { tokenExchangeForm, type TokenExchangeCredential } from './token-exchange.js';

export type { BasicCredential, HeaderCredential, PlaceholderCredential, QueryCredential };
export type { GcpCredential, HmacCredential, JwtCredential, OAuth2Credential, TokenExchangeCredential };
export type { AwsSigv4Credential };
export type { CredentialBase, CredentialForm, CredentialInput, CredentialIssue, InjectDeps, InjectionResult } from './form.js';
export type { BrokerFetch, BrokerIdentity } from './form.js';
export { SECRET_TEMPLATE, secretField } from './fields.js';

/** A compiled credential: what a Decision carries and the injector reads. */
export type CredentialSpec =
  | HeaderCredential
  | BasicCredential
  | QueryCredential
  | PlaceholderCredential
  // Brokered: fetched, exchanged or minted per request's identity (credentials/broker/).
  | OAuth2Credential
  | TokenExchangeCredential
  | JwtCredential
  | GcpCredential
  // Signs the final request: HMAC over the rule's canonical string.
  | HmacCredential
  // Signs the final request: AWS Signature Version 4.
  | AwsSigv4Credential;
export type CredentialType = CredentialSpec['type'];

const FORMS: Readonly<Record<CredentialType, CredentialForm<CredentialSpec>>> = {
  header: headerForm,
  basic: basicForm,
  query: queryForm,
  placeholder: placeholderForm,
  oauth2: oauth2Form,
  token_exchange: tokenExchangeForm,
  jwt: jwtForm,
  gcp: gcpForm,
  hmac: hmacForm,
  aws_sigv4: awsSigv4Form,
};

/** The forms' types, in the order messages list them; each is also the config key that selects it. */
export const CREDENTIAL_FORMS: readonly CredentialType[] = Object.freeze(Object.keys(FORMS) as CredentialType[]);

function unknownType(type: unknown): string {
  const known = CREDENTIAL_FORMS.join(', ');
  return type === undefined ? `a credential needs a type, one of ${known}` : `unknown credential type ${describeValue(type)}; expected one of ${known}`;
}

/** The form for `type`; a TypeError naming the known types for any other. */
export function credentialForm(type: string): CredentialForm<CredentialSpec> {
  if (!Object.hasOwn(FORMS, type)) throw new TypeError(unknownType(type));
  return FORMS[type as CredentialType];
}

/** Every form's keys in a rule's `credential:` map (each optional there), for the config schema. */
export const credentialConfigFields = {
  ...headerForm.configFields,
  ...basicForm.configFields,
  ...queryForm.configFields,
  ...placeholderForm.configFields,
  ...oauth2Form.configFields,
  ...tokenExchangeForm.configFields,
  ...jwtForm.configFields,
  ...gcpForm.configFields,
  ...hmacForm.configFields,
  ...awsSigv4Form.configFields,
};

/** The compiled spec's schema: the forms' own, told apart by `type`. */
export const credentialSpecSchema = z.discriminatedUnion(
  'type',
  [
    headerForm.schema,
    basicForm.schema,
    queryForm.schema,
    placeholderForm.schema,
    oauth2Form.schema,
    tokenExchangeForm.schema,
    jwtForm.schema,
    gcpForm.schema,
    hmacForm.schema,
    awsSigv4Form.schema,
  ],
  {
    error: (issue) => (issue.code === 'invalid_union' ? unknownType((issue.input as { type?: unknown } | undefined)?.type) : undefined),
  },
);

/** How the keys of a `credential:` map combine: exactly one form, and each form's own rules. */
export function credentialConfigIssues(raw: Readonly<Record<string, unknown>>): CredentialIssue[] {
  const given = CREDENTIAL_FORMS.filter((t) => raw[t] !== undefined);
  const issues: CredentialIssue[] = [];
  if (given.length !== 1) {
    const got = given.length === 0 ? 'none' : given.join(' and ');
    issues.push({ path: [], message: `expected exactly one injection form (${CREDENTIAL_FORMS.join(', ')}); got ${got}` });
  }
  for (const form of Object.values(FORMS)) issues.push(...form.configIssues(raw));
  const only = given.length === 1 ? FORMS[given[0]!] : undefined;
  if (raw.secret === undefined && only !== undefined && only.secretless !== true) {
    issues.push({ path: ['secret'], message: `a ${only.type} credential needs a secret (a store name, 'env:NAME' or 'file:PATH')` });
  }
  return issues;
}

/** A problem with a compiled spec, in words (`field: what`), or undefined when it is sound. */
export function checkCredential(spec: unknown): string | undefined {
  const result = credentialSpecSchema.safeParse(spec, { error: plainIssueMessage });
  if (result.success) return undefined;
  const issue = result.error.issues[0];
  if (issue === undefined) return 'invalid credential';
  return issue.path.length > 0 && issue.code !== 'invalid_union' ? `${issue.path.join('.')}: ${issue.message}` : issue.message;
}

/**
 * The config's credential map to its compiled spec. Throws a TypeError with the first
 * problem (the config schema reports every one, with lines, before this runs).
 */
export function credentialFromConfig(c: CredentialInput): CredentialSpec {
  const issue = credentialConfigIssues(c as unknown as Record<string, unknown>)[0];
  if (issue !== undefined) throw new TypeError(issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message);
  const type = CREDENTIAL_FORMS.find((t) => c[t] !== undefined) ?? 'header';
  const spec = credentialForm(type).fromConfig({ ...c, secret: c.secret ?? '' });
  const problem = checkCredential(spec);
  if (problem !== undefined) throw new TypeError(problem);
  return c.allow_plaintext === true ? { ...spec, allowPlaintext: true } : spec;
}

/**
 * One line saying what the credential does, naming the secret and never its value.
 *
 * @example
 * explainCredential({ type: 'query', secret: 'maps_key', param: 'key' }); // "secret maps_key as query parameter 'key'"
 */
export function explainCredential(spec: CredentialSpec): string {
  const text = credentialForm(spec.type).explain(spec);
  return spec.allowPlaintext === true ? `${text}; also over plain HTTP (allow_plaintext)` : text;
}
