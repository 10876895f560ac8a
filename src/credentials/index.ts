/**
 * Credentials: the encrypted store, secret references, credential forms and their
 * injector, and the reflected-secret scrubber. Nothing here logs or returns a secret
 * value except `FileSecretStore.reveal`, `SecretResolver.resolve` / `allValues` (for
 * the injector and the scrubber) and the request the injector writes into.
 *
 * @example
 * import { FileSecretStore, SecretResolver, injectCredential } from './credentials/index.js';
 */
export { CredentialError, CredentialErrorCode } from './errors.js';
export type { CredentialReason } from './errors.js';
export { ensureMasterKey, loadMasterKey, parseMasterKey, MASTER_KEY_ENV, MASTER_KEY_FILE } from './master-key.js';
export type { EnsuredMasterKey } from './master-key.js';
export { FileSecretStore, MAX_SECRET_BYTES } from './file-store.js';
export type { FileSecretStoreOptions } from './file-store.js';
export { SECRET_NAME, isSecretName, assertSecretName } from './secret-name.js';
export { SecretResolver, parseSecretRef } from './refs.js';
export type { SecretRef, SecretResolverOptions, SecretSource } from './refs.js';
export { PLACEHOLDER_PREFIX, findPlaceholders, placeholderFor, replacePlaceholder } from './placeholder.js';
export { PlaceholderSwapper, swapBodyPlaceholders, placeholderSwapTransform, DEFAULT_MAX_BODY_BYTES } from './placeholder-stream.js';
export type { BodyEncoding, PlaceholderSwapOptions } from './placeholder-stream.js';
export { placeholderUses, placeholderViolations, assertNoViolations, bodyEncodingFor, PLACEHOLDER_PLACES } from './inject-placeholder.js';
export type { PlaceholderUse, PlaceholderPlace, RequestView } from './inject-placeholder.js';
export { injectCredential } from './inject.js';
export {
  CREDENTIAL_FORMS,
  SECRET_TEMPLATE,
  checkCredential,
  credentialForm,
  credentialFromConfig,
  credentialSpecSchema,
  explainCredential,
} from './forms/index.js';
export type {
  BasicCredential,
  CredentialForm,
  CredentialInput,
  CredentialSpec,
  CredentialType,
  HeaderCredential,
  InjectDeps,
  InjectionResult,
  PlaceholderCredential,
  QueryCredential,
} from './forms/index.js';
export { ReflectionScrubber, scrubHeaders, scrubBuffer, reflectionNeedles, DEFAULT_REPLACEMENT } from './reflection-scrubber.js';
export type { ResponseHeaders } from './reflection-scrubber.js';
