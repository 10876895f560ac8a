/** Shared by the credential form tests: a fixed resolver, and a rule's `credential:` run through the config loader. */
import assert from 'node:assert/strict';
import { parseConfig } from '../../../src/config/load.js';
import { CredentialError } from '../../../src/credentials/errors.js';
import { credentialFromConfig } from '../../../src/credentials/forms/index.js';
import type { CredentialSpec, InjectDeps } from '../../../src/credentials/forms/index.js';
import { ConfigError } from '../../../src/errors.js';

/** A resolver over a fixed map, which records every buffer it hands out (to see them wiped). */
export function resolverOf(values: Record<string, string>): InjectDeps & { handedOut: Buffer[] } {
  const handedOut: Buffer[] = [];
  return {
    handedOut,
    resolve(ref: string): Buffer {
      const v = values[ref];
      if (v === undefined) throw new CredentialError('credential_unavailable', `secret '${ref}' is not set`);
      const b = Buffer.from(v);
      handedOut.push(b);
      return b;
    },
  };
}

/** The config problems (`path: message`) of one rule whose credential is the YAML flow map `credential`; [] when it loads. */
export function credentialProblems(credential: string): string[] {
  try {
    parseConfig(['version: 1', 'rules:', '  - id: r', `    credential: ${credential}`].join('\n'), '/etc/sluice/sluice.yaml');
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems.map((p) => `${p.path}: ${p.message}`);
  }
}

/** The rule's credential as the config loads it, compiled by its form. */
export function compiledFromYaml(credential: string): CredentialSpec {
  const loaded = parseConfig(['version: 1', 'rules:', '  - id: r', `    credential: ${credential}`].join('\n'), '/etc/sluice/sluice.yaml');
  const c = loaded.config.rules[0]?.credential;
  assert.ok(c !== undefined);
  return credentialFromConfig(c);
}
