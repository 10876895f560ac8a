import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa, loadCa, type LoadedCa } from '../../src/tls/ca.js';
import { LeafCertCache } from '../../src/tls/leaf-cache.js';

/** A CA made for this test run, playing the part of a private upstream's CA. */
export interface TestPki {
  dir: string;
  caPem: string;
  caFile: string;
  ca: LoadedCa;
  leaves: LeafCertCache;
}

let shared: Promise<TestPki> | undefined;

/** One upstream CA per test process (minted fresh each run, never committed). */
export function upstreamPki(): Promise<TestPki> {
  shared ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-upstream-ca-'));
    const material = await createCa({ commonName: 'Sluice Test Upstream CA' });
    const caFile = join(dir, 'upstream-ca.pem');
    const keyFile = join(dir, 'upstream-ca-key.pem');
    await writeFile(caFile, material.certPem);
    await writeFile(keyFile, material.keyPem, { mode: 0o600 });
    const ca = await loadCa(caFile, keyFile);
    return { dir, caPem: material.certPem, caFile, ca, leaves: new LeafCertCache(ca) };
  })();
  return shared;
}
