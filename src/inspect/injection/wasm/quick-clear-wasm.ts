/**
 * The compiled bytes of quick-clear.wat (generated; do not edit). Regenerate with:
 *
 *   npx -y -p wabt@1.0.39 wat2wasm src/inspect/injection/wasm/quick-clear.wat -o /tmp/quick-clear.wasm
 *   base64 -w0 /tmp/quick-clear.wasm
 *
 * and paste the output below (test/inspect/injection/quick-clear-wasm.test.ts holds it to the JavaScript loop).
 */
export const QUICK_CLEAR_WASM =
  'AGFzbQEAAAABCwFgBn9/f39/fwF/AwIBAAUDAQABBxECA21lbQIAB3NlZ21lbnQAAAqJAwGGAwEKf0EBIQ8CQANAIAYgAUkEQCAAIAZqLQAAIQcFQSAhBwsgB0GAAU8EQEF/DwsgBy0AACEIIAhBgAFxBEBBfw8LIAhBCHEEQCAJQQFqIQkgCiAIciEKBSAJBEAgCSAFTyAKQQdxQQdGcQRAQX8PC0EAIQlBACEKCwsgCEEQcQRAIAxFBEAgDkEBSSAOQQNLciAPRXIEQEEAIQsLIAhBAXFFIQ0LIAxBAWohDAUgDARAIAtBAWpBACAMQQFGIA1xGyELIAtBBE8EQEF/DwtBACEMQQAhDkEBIQ8LIA5BAWohDiAIQSBxRQRAQQAhDwsLIAYgAUYNASAIQcAAcQRAIARFBEBBASEEIAIgA0EHdEEgakECdGooAgAhAyADQQBIBEBBfw8LCwVBACEEIAIgA0EHdCAHakECdGooAgAhAyADQQBIBEBBfw8LCyAGQQFqIQYMAAsLIARFBEBBASEEIAIgA0EHdEEgakECdGooAgAhAyADQQBIBEBBfw8LCyADQQF0IARyCw==';
