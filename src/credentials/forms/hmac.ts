/**
 * The HMAC request-signing form, for webhook-style APIs: the gate computes
 * HMAC(secret, canonical string) over the final request and sets it in a header
 * (default `x-signature`), so the receiver can check who sent it and that nothing
 * changed on the way. The rule defines the canonical string from `{method}`,
 * `{path}` (query included), `{host}`, `{timestamp}` (unix seconds, also sent in
 * `timestamp_header`), `{body}`, `{body_sha256}` (hex) and `{header:NAME}`, joined by
 * whatever the template says (`\n` is a line break).
 *
 * A body the template names is read before the request leaves, up to `max_body`
 * (default 1 MiB; longer fails closed rather than sign a part), after the placeholder
 * check every form runs, and forwarded as the same bytes.
 *
 * @example
 * // config:   credential: { secret: hook_key, hmac: { canonical: "{timestamp}.{body}", prefix: "v1=" } }
 * // sets:     x-timestamp: 1733500000   x-signature: v1=5f0c...
 */
import { createHash, createHmac } from 'node:crypto';
import { Readable } from 'node:stream';
import * as z from 'zod';
import { intInRange, strictSection } from '../../config/fields.js';
import { headerNameField } from '../../config/rule-fields.js';
import { CredentialError } from '../errors.js';
import { deleteHeader } from '../header-value.js';
import { assertNoViolations, placeholderViolations } from '../inject-placeholder.js';
import type { RequestView } from '../inject-placeholder.js';
import { swapBodyPlaceholders } from '../placeholder-stream.js';
import { specBase } from './fields.js';
import type { CredentialBase, CredentialForm, InjectDeps, InjectionResult } from './form.js';

/** A header's value as one line (repeated values joined as HTTP folds them); '' when absent. */
function headerText(v: string | string[] | undefined): string {
  return Array.isArray(v) ? v.join(', ') : (v ?? '');
}

const PARTS = /\{(method|path|host|timestamp|body|body_sha256|header:[a-z0-9-]+)\}/g;

const section = strictSection({
  canonical: z.string().min(1).max(1024),
  header: headerNameField.optional(),
  timestamp_header: headerNameField.optional(),
  algorithm: z.enum(['sha256', 'sha512']).optional(),
  encoding: z.enum(['hex', 'base64']).optional(),
  prefix: z
    .string()
    .regex(/^[\x20-\x7e]{0,64}$/)
    .optional(),
  max_body: intInRange(1, 16 * 1024 * 1024).optional(),
});

export interface HmacCredential extends CredentialBase {
  type: 'hmac';
  hmac: z.output<typeof section>;
}

export const hmacForm = {
  type: 'hmac',
  configFields: { hmac: section.optional() },
  configIssues: () => [],
  fromConfig: (c) => ({ type: 'hmac', secret: c.secret, hmac: c.hmac as z.output<typeof section> }),
  schema: z.object({ type: z.literal('hmac'), ...specBase, hmac: section }),
  explain: (c) =>
    `HMAC-${(c.hmac.algorithm ?? 'sha256').toUpperCase()} with secret ${c.secret} over "${c.hmac.canonical}" in header ${c.hmac.header ?? 'x-signature'}`,
  inject: (view, spec, deps) => sign(view, spec, deps),
} satisfies CredentialForm<HmacCredential>;

async function sign(view: RequestView, spec: HmacCredential, deps: InjectDeps): Promise<InjectionResult> {
  const h = spec.hmac;
  assertNoViolations(placeholderViolations(view));
  const template = h.canonical.replaceAll('\\n', '\n');
  const needsBody = /\{body(_sha256)?\}/.test(template);
  const body = needsBody ? await readBody(view, spec, h.max_body ?? 1024 * 1024) : null;
  if (!needsBody && view.body) view.body = swapBodyPlaceholders(view.body, { maxBodyBytes: deps.maxBodyBytes });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const changed: string[] = [];
  if (template.includes('{timestamp}')) {
    const name = h.timestamp_header ?? 'x-timestamp';
    deleteHeader(view.headers, name);
    view.headers[name] = timestamp;
    changed.push(name);
  }
  const parts: Record<string, () => Buffer | string> = {
    method: () => deps.method ?? '',
    path: () => view.path,
    host: () => headerText(view.headers.host),
    timestamp: () => timestamp,
    body: () => body ?? Buffer.alloc(0),
    body_sha256: () =>
      createHash('sha256')
        .update(body ?? Buffer.alloc(0))
        .digest('hex'),
  };
  const key = deps.resolve(spec.secret);
  try {
    const mac = createHmac(h.algorithm ?? 'sha256', key);
    let at = 0;
    for (const m of template.matchAll(PARTS)) {
      mac.update(template.slice(at, m.index));
      const name = m[1]!;
      mac.update(name.startsWith('header:') ? headerText(view.headers[name.slice(7)]) : parts[name]!());
      at = m.index + m[0].length;
    }
    mac.update(template.slice(at));
    const header = h.header ?? 'x-signature';
    deleteHeader(view.headers, header);
    view.headers[header] = `${h.prefix ?? ''}${mac.digest(h.encoding ?? 'hex')}`;
    changed.push(header);
  } finally {
    key.fill(0);
  }
  return { changed, bodyLengthChanged: false };
}

/** The whole body (placeholders refused as they stream), bounded; the view then sends the same bytes. */
async function readBody(view: RequestView, spec: HmacCredential, max: number): Promise<Buffer> {
  if (!view.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of swapBodyPlaceholders(view.body, { maxBodyBytes: max })) {
    size += chunk.length;
    if (size > max)
      throw new CredentialError('credential_invalid', `credential '${spec.secret}': the body is longer than ${max} bytes and cannot be signed`, {
        ref: spec.secret,
      });
    chunks.push(chunk);
  }
  const whole = Buffer.concat(chunks);
  // The bytes that were signed, as one chunk.
  view.body = Readable.from([whole]);
  return whole;
}
