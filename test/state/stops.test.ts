/**
 * The kill switch and quarantine store (state/sqlite-stops.ts): scopes of a kill and
 * of its lifting, quarantine targets in the gate's canonical host forms (IPv4-mapped
 * IPv6, IDNA, case, trailing dot, `*.` suffixes, CIDRs), expiry, lifting by id or by
 * target, what survives a reopen (a gate restart), and a watching process seeing
 * another's write.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidArgumentError } from '../../src/identity/errors.js';
import { normalizeHost } from '../../src/net/host.js';
import { openStopStore, parseQuarantineTarget } from '../../src/state/index.js';
import { tempDir } from '../identity/fixtures.js';

const host = (h: string) => normalizeHost(h);

void test('a kill has a scope: global refuses every tenant, a tenant kill only its tenant; --off lifts exactly that scope', async () => {
  const s = await openStopStore(await tempDir(), { watch: false });
  try {
    assert.equal(s.killedFor('acme'), null);
    const t = await s.kill({ tenant: 'acme', reason: 'runaway' });
    assert.equal(s.killedFor('acme')?.id, t.id);
    assert.equal(s.killedFor('beta'), null);
    assert.equal(s.killedFor(null), null, 'an anonymous request is not of tenant acme');
    const g = await s.kill({});
    assert.equal(s.killedFor('beta')?.id, g.id);
    assert.equal(s.killedFor(null)?.id, g.id);
    assert.equal(s.killedFor('acme')?.id, g.id, 'the global kill is named first');
    assert.equal(await s.unkill('beta'), null, 'beta has no kill of its own');
    const lifted = await s.unkill(null);
    assert.deepEqual(
      lifted?.lifted.map((k) => k.id),
      [g.id],
    );
    assert.equal(s.killedFor('beta'), null);
    assert.equal(s.killedFor('acme')?.id, t.id, 'lifting the global kill leaves the tenant kill');
    assert.deepEqual(
      s.kills().map((k) => k.tenant),
      ['acme'],
    );
    await assert.rejects(s.kill({ tenant: 'bad tenant!' }), InvalidArgumentError);
  } finally {
    await s.close();
  }
});

void test('quarantine targets are read in the gate’s canonical forms, and match every spelling of the host', async () => {
  assert.equal(parseQuarantineTarget('[::ffff:10.0.0.1]').text, '10.0.0.1/32');
  assert.equal(parseQuarantineTarget('::ffff:10.0.0.0/104').text, '10.0.0.0/8');
  assert.equal(parseQuarantineTarget('0x7f.1').text, '127.0.0.1/32');
  assert.equal(parseQuarantineTarget('Evil.EXAMPLE.').text, 'evil.example');
  assert.equal(parseQuarantineTarget('*.Bücher.example').text, '*.xn--bcher-kva.example');
  assert.equal(parseQuarantineTarget('2001:DB8::/32').text, '2001:db8::/32');
  for (const bad of ['', 'https://evil.example/', 'evil.example:443', '10.0.0.0/33', '*.10.0.0.1', 'a..b']) {
    assert.throws(() => parseQuarantineTarget(bad), InvalidArgumentError, bad);
  }
  const s = await openStopStore(await tempDir(), { watch: false });
  try {
    const ip = await s.quarantine({ target: '10.0.0.0/8', reason: 'exfil' });
    const name = await s.quarantine({ target: 'EVIL.example.' });
    const sub = await s.quarantine({ target: '*.bad.example' });
    const v6 = await s.quarantine({ target: '2001:db8::/32' });
    assert.equal(s.quarantined(host('[::ffff:10.1.2.3]'))?.id, ip.id);
    assert.equal(s.quarantined(host('167772161'))?.id, ip.id, '10.0.0.1 written as one number');
    assert.equal(s.quarantined(host('11.0.0.1')), null);
    assert.equal(s.quarantined(host('evil.example'))?.id, name.id);
    assert.equal(s.quarantined(host('www.evil.example')), null, 'a name is that name only');
    assert.equal(s.quarantined(host('a.b.BAD.example.'))?.id, sub.id);
    assert.equal(s.quarantined(host('bad.example')), null, '*. is what is under the domain, not the domain');
    assert.equal(s.quarantined(host('notbad.example')), null);
    assert.equal(s.quarantined(host('[2001:db8::1]'))?.id, v6.id);
    assert.equal(s.quarantined(host('[2001:db9::1]')), null);
  } finally {
    await s.close();
  }
});

void test('a quarantine expires by itself; lifted by id or by target; the list shows what is in force', async () => {
  let now = 1_000_000;
  const s = await openStopStore(await tempDir(), { watch: false, now: () => now });
  try {
    const brief = await s.quarantine({ target: 'a.example', forMs: 60_000 });
    const kept = await s.quarantine({ target: 'b.example' });
    const twice = await s.quarantine({ target: 'b.example', reason: 'again' });
    assert.equal(brief.expiresAt, 1_060_000);
    assert.equal(s.quarantined(host('a.example'))?.id, brief.id);
    now += 60_000;
    assert.equal(s.quarantined(host('a.example')), null, 'expired');
    assert.deepEqual(
      s.quarantines().map((q) => q.id),
      [kept.id, twice.id],
    );
    const byId = await s.lift(`q${kept.id}`);
    assert.deepEqual(
      byId?.lifted.map((q) => q.id),
      [kept.id],
    );
    assert.equal(s.quarantined(host('b.example'))?.id, twice.id, 'the other quarantine of that host holds');
    const byTarget = await s.lift('B.Example.');
    assert.deepEqual(
      byTarget?.lifted.map((q) => q.id),
      [twice.id],
    );
    assert.equal(s.quarantined(host('b.example')), null);
    assert.equal(await s.lift(`q${kept.id}`), null, 'lifted already');
    assert.equal(await s.lift('q999'), null);
  } finally {
    await s.close();
  }
});

void test('what is recorded survives a reopen (a restart), lifts included; a watching store sees another process’s write', async () => {
  const dir = await tempDir();
  const writer = await openStopStore(dir, { watch: false });
  const gate = await openStopStore(dir, { pollMs: 20 });
  try {
    const k = await writer.kill({ tenant: 'acme' });
    const q = await writer.quarantine({ target: 'evil.example' });
    const gone = await writer.quarantine({ target: 'gone.example' });
    await writer.lift(`q${gone.id}`);
    const until = Date.now() + 5000;
    while (gate.killedFor('acme') === null && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    assert.equal(gate.killedFor('acme')?.id, k.id);
    assert.equal(gate.quarantined(host('evil.example'))?.id, q.id);
    assert.equal(gate.quarantined(host('gone.example')), null);
  } finally {
    await writer.close();
    await gate.close();
  }
  const again = await openStopStore(dir, { watch: false });
  try {
    assert.equal(again.killedFor('acme')?.tenant, 'acme');
    assert.equal(again.quarantined(host('evil.example'))?.target, 'evil.example');
    assert.equal(again.quarantined(host('gone.example')), null);
  } finally {
    await again.close();
  }
});
