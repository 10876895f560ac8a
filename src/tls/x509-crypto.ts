/**
 * One place that binds @peculiar/x509 to Node's WebCrypto. The library can
 * guess a global `crypto`, but that guess depends on globals the runtime may
 * not expose the same way in every version; pinning it here makes every
 * certificate operation in src/tls use the same, known provider.
 *
 * @example
 * import { subtle } from './x509-crypto.js';
 * const keys = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
 */
import { webcrypto } from 'node:crypto';
// Must run before @peculiar/x509 loads: tsyringe checks for Reflect metadata at import time.
import './reflect-metadata.js';
import * as x509 from '@peculiar/x509';

// The library declares the DOM `Crypto` type; Node's webcrypto is that object at runtime.
x509.cryptoProvider.set(webcrypto);

/** Node's SubtleCrypto, imported from here so the provider above is always set first. */
export const subtle = webcrypto.subtle;

export { x509 };
