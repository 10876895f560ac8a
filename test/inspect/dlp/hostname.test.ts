/** Hostname exfiltration: carriers are caught, real CDN/cloud/IDN names are not. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DlpScanner, scanHostname } from '../../../src/inspect/dlp/index.js';
import { assertNoLeak } from './fakes.js';

const dlp = new DlpScanner();

const BENIGN = [
  'api.github.com',
  'd1234abcd.cloudfront.net',
  'd3k2j4h5g6f7a8.cloudfront.net',
  'abc-123.s3.amazonaws.com',
  'my-bucket.s3.us-east-1.amazonaws.com',
  'xn--bcher-kva.example',
  'xn--80ak6aa92e.com',
  '1-2-3-4.nip.io',
  '10.0.0.1.sslip.io',
  'www.google.com',
  'fonts.gstatic.com',
  'lh3.googleusercontent.com',
  'r3---sn-4g5e6nsz.googlevideo.com',
  'registry.npmjs.org',
  'files.pythonhosted.org',
  'objects.githubusercontent.com',
  'mystorageaccount01.blob.core.windows.net',
  'myapp-prod.azurewebsites.net',
  'a1b2c3d4e5.execute-api.us-east-1.amazonaws.com',
  'abcdefghijklmnopqrstuvwxyz012345.lambda-url.us-east-1.on.aws',
  'my-app-git-feature-branch-team.vercel.app',
  'deploy-preview-42--mysite.netlify.app',
  '5f3c2a1b.ngrok.io',
  'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi.ipfs.dweb.link',
  '0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com',
  'sub.domain.example.co.uk',
  'e12345.a.akamaiedge.net',
  'ec2-54-12-34-56.compute-1.amazonaws.com',
  'abcdefghijklmnopqrst.supabase.co',
  'storage.googleapis.com',
  'www.bbc.co.uk',
  'cdnjs.cloudflare.com',
  'us-central1-aiplatform.googleapis.com',
  'login.microsoftonline.com',
  'en.wikipedia.org',
  'project-id-default-rtdb.firebaseio.com',
  'a23-45-67-89.deploy.static.akamaitechnologies.com',
  'localhost',
  '127.0.0.1',
  '[::1]:8443',
  'api.openai.com:443',
  'docs.anthropic.com.',
  'hooks.slack.com',
  'uploads-ssl.webflow.com',
  'b-3.msk-cluster.abc123.c2.kafka.us-east-1.amazonaws.com',
];

test(`${BENIGN.length} realistic benign hosts produce no findings`, () => {
  for (const h of BENIGN) assert.deepEqual(dlp.scanHostname(h), [], h);
});

const EXFIL: Array<[string, string, string | undefined]> = [
  ['7365637265745f6170695f6b65795f3132333435.exfil.evil.com', 'hostname_encoded_data', 'hex'],
  ['4a6f686e446f65.53656372657431.exfil.evil.example.com', 'hostname_encoded_data', 'hex'],
  ['JBSWY3DPEHPK3PXP.exfil.evil.com', 'hostname_encoded_data', 'base32'],
  ['c2VjcmV0X3Rva2VuXzEyMzQ1Njc4OTA.exfil.evil.com', 'hostname_encoded_data', 'base64url'],
  ['c2vjcmv0x3rva2vuxzeymzq1njc4ota.exfil.evil.com', 'hostname_entropy', undefined],
  ['ghp-xxxx.yyyyzzzz.aaaabbbb.ccccdddd.exfil.evil.com', 'hostname_secret_prefix', undefined],
  ['a1b2c3d4.e5f6a7b8.c9d0e1f2.a3b4c5d6.e7f8a9b0.c1d2e3f4.a5b6c7d8.e9f0a1b2.exfil.evil.com', 'hostname_label_count', undefined],
  ['9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08.evil.com', 'hostname_entropy', 'hex'],
  [`${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.evil.com`, 'hostname_length', undefined],
];

for (const [host, type, encoding] of EXFIL) {
  test(`exfil host ${host.slice(0, 40)}: ${type}`, () => {
    const found = dlp.scanHostname(host);
    const f = found.find((x) => x.type === type);
    assert.ok(f !== undefined, JSON.stringify(found));
    assert.equal(f.location, 'host');
    assert.equal(f.action, 'block');
    assert.equal(f.encoding, encoding);
    for (const label of host.split('.').filter((l) => l.length >= 8)) assertNoLeak(found, label, host);
  });
}

test('the standalone scanHostname runs the heuristics without patterns', () => {
  assert.ok(scanHostname('7365637265745f6170695f6b6579.exfil.evil.com').some((f) => f.type === 'hostname_encoded_data'));
  assert.deepEqual(scanHostname('api.github.com'), []);
});

test('patterns still apply under a benign parent', () => {
  assert.ok(dlp.scanHostname('akiafake0000test1234.s3.amazonaws.com').some((f) => f.type === 'aws_access_key_id'));
});
