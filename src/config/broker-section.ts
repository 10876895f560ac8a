/**
 * The `broker:` section: how the credential broker (credentials/broker/) keeps the
 * tokens it fetches, exchanges and mints, and where the public keys of the JWTs it
 * mints are served for internal services to verify them.
 *
 * @example
 * broker:
 *   jwks_listen: 10.0.0.5:8879   # GET /.well-known/jwks.json (no listener without it)
 *   token_skew: 60s              # refresh a cached token this long before it expires
 *   token_cache_size: 10000      # most tokens kept (least recently used dropped)
 *   token_timeout: 10s           # a token endpoint slower than this fails the request (502 token_endpoint_failed)
 *   issuer: sluice               # 'iss' of the JWTs Sluice mints
 */
import * as z from 'zod';
import { durationField, intInRange, listenField, strictSection } from './fields.js';

export const brokerSchema = strictSection({
  jwks_listen: listenField.optional(),
  token_skew: durationField().prefault('60s'),
  token_cache_size: intInRange(1).prefault(10_000),
  token_timeout: durationField({ positive: true }).prefault('10s'),
  issuer: z
    .string()
    .regex(/^[\x21-\x7e]{1,256}$/, { error: 'expected an issuer name or URL (printable, no spaces)' })
    .default('sluice'),
});

export type BrokerConfig = z.output<typeof brokerSchema>;
