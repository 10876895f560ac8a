/**
 * What the hash chain costs per record on the event loop (`npm run bench:chain`):
 * the trail already serialises each record once (JSON.stringify, for the journal and
 * the sinks); the chain adds its canonical form and a SHA-256 over it. Printed side by
 * side with JSON.stringify alone, for records of about 1 KB, and for an Ed25519
 * checkpoint signature (one per 1 000 records by default).
 */
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { canonicalRecord } from '../src/audit/chain-canonical.js';
import { AuditChain } from '../src/audit/chain.js';
import { auditRecord } from '../src/audit/record.js';
import type { AuditRecord } from '../src/audit/fields.js';

const N = 20_000;
const ROUNDS = 5;
function records(): AuditRecord[] {
  return Array.from({ length: N }, (_, i) =>
    auditRecord({
      decision_id: `01J${String(i).padStart(23, '0')}`,
      time: new Date(1_750_000_000_000 + i).toISOString(),
      policy_version: 'abc123def4567890',
      outcome: i % 5 === 0 ? 'deny' : 'allow',
      reason: i % 5 === 0 ? 'no_rule_matched' : 'rule_allow',
      status: i % 5 === 0 ? 403 : 200,
      who: { tenant: 'acme', agent: 'support-bot-7', session: `sess-${i % 97}`, human: 'alice@example.com' },
      method: 'POST',
      scheme: 'https',
      host: 'api.github.com',
      port: 443,
      path: `/repos/acme/widgets/issues/${i}/comments/and/a/longer/path/to/make/it/realistic`,
      intent: 'issue.comment',
      rule: 'github-issues-write',
      credential: 'github-app',
      route: null,
      bytes_in: 1834 + i,
      bytes_out: 20_481,
      duration_ms: 123.456,
      findings: i % 10 === 0 ? [{ type: 'aws_access_key', location: 'body', action: 'block', encoding: 'base64', detail: 'AWS access key id' }] : [],
      transport: 'intercept',
      address: '140.82.112.6:443',
      rewritten: ['authorization', 'x-request-id'],
      budget: 'team-llm,org-default',
    }),
  );
}

/** The best of ROUNDS rounds (the machine is shared: the best round is the least disturbed). */
function time(label: string, fn: (r: AuditRecord) => unknown): void {
  let best = Infinity;
  for (let round = 0; round < ROUNDS; round++) {
    const rs = records();
    for (let i = 0; i < 2_000; i++) fn(rs[i]!); // warm up
    const t0 = process.hrtime.bigint();
    for (const r of rs) fn(r);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e3 / N);
  }
  console.log(`${label.padEnd(48)} ${best.toFixed(2).padStart(6)} µs/record`);
}

const sample = records()[1]!;
console.log(`record: ${Buffer.byteLength(JSON.stringify(sample))} bytes as JSON, best of ${ROUNDS} rounds of ${N} records\n`);
time('JSON.stringify (the trail does this already)', (r) => JSON.stringify(r));
time('canonical form (sorted keys, no nulls)', (r) => canonicalRecord(r));
time('canonical form + SHA-256', (r) => createHash('sha256').update(canonicalRecord(r)).digest('hex'));
const chain = new AuditChain({ key: null, onCheckpoint: () => undefined });
time('chain.link (what the trail adds per record)', (r) => chain.link(r));
const { privateKey } = generateKeyPairSync('ed25519');
const payload = Buffer.from('sluice-audit-checkpoint:v1\nchain\n1000\n' + 'ab'.repeat(32));
const t0 = process.hrtime.bigint();
for (let i = 0; i < 2_000; i++) sign(null, payload, privateKey);
console.log(
  `${'Ed25519 checkpoint signature (per 1 000 records)'.padEnd(48)} ${(Number(process.hrtime.bigint() - t0) / 1e3 / 2_000).toFixed(2).padStart(6)} µs/checkpoint`,
);
chain.stop();
