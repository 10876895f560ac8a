/**
 * The broker's token cache, on a clock the test moves (never a sleep): a token is
 * reused until `skew` before it expires and then fetched anew; concurrent callers
 * share one fetch; a failure is not kept; the cache is bounded. And the same through
 * the oauth2 form against a real authorization server on loopback.
 */
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CredentialBroker } from '../../../src/credentials/broker/broker.js';
import { TokenCache } from '../../../src/credentials/broker/token-cache.js';
import type { TokenTransport } from '../../../src/credentials/broker/token-request.js';
import { credentialFromConfig } from '../../../src/credentials/forms/index.js';
import { injectCredential } from '../../../src/credentials/inject.js';
import { startAuthServer, type AuthServer } from '../../helpers/oauth-server.js';

describe('TokenCache', () => {
  test('reused until skew before expiry, then fetched anew', async () => {
    let now = 1_000_000;
    let fetched = 0;
    const cache = new TokenCache<{ expiresAt: number; n: number }>({ skewMs: 60_000, now: () => now });
    const fetch = (): Promise<{ expiresAt: number; n: number }> => Promise.resolve({ expiresAt: now + 300_000, n: ++fetched });
    assert.equal((await cache.get('k', fetch)).n, 1);
    now += 239_999; // 1 ms before the refresh window
    assert.equal((await cache.get('k', fetch)).n, 1);
    now += 1;
    assert.equal((await cache.get('k', fetch)).n, 2);
    assert.equal(fetched, 2);
  });

  test('concurrent callers share one fetch; a failure is not kept', async () => {
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const cache = new TokenCache<{ expiresAt: number }>({ skewMs: 0 });
    const slow = async (): Promise<{ expiresAt: number }> => {
      calls++;
      await gate;
      return { expiresAt: Date.now() + 3_600_000 };
    };
    const all = Promise.all(Array.from({ length: 20 }, () => cache.get('k', slow)));
    release();
    const got = await all;
    assert.equal(calls, 1);
    assert.ok(got.every((t) => t === got[0]));
    await assert.rejects(
      cache.get('bad', () => Promise.reject(new Error('down'))),
      /down/,
    );
    assert.equal((await cache.get('bad', () => Promise.resolve({ expiresAt: Date.now() + 60_000 }))).expiresAt > 0, true);
  });

  test('bounded: the least recently used entry goes first', async () => {
    const cache = new TokenCache<{ expiresAt: number }>({ max: 2, skewMs: 0 });
    const t = (): Promise<{ expiresAt: number }> => Promise.resolve({ expiresAt: Date.now() + 60_000 });
    await cache.get('a', t);
    await cache.get('b', t);
    cache.fresh('a'); // a is now the most recent
    await cache.get('c', t);
    assert.equal(cache.size, 2);
    assert.ok(cache.fresh('a') !== undefined);
    assert.equal(cache.fresh('b'), undefined);
  });
});

describe('the oauth2 form on a moved clock, against a real authorization server', () => {
  let as: AuthServer;
  before(async () => {
    as = await startAuthServer({ clients: { c: 'client-secret-value' }, lifetimeSec: 3600 });
  });
  after(() => as.close());

  test('one token endpoint hit per lifetime: refreshed 60 s (token_skew) before expiry', async () => {
    let now = Date.now();
    // The test's own way to the server (a gate's goes through its resolver and pools: token-transport.ts).
    const transport: TokenTransport = {
      async post(url, body, headers) {
        const res = await fetch(`http://127.0.0.1:${as.port}${url.replace(/^route:idp/, '')}`, { method: 'POST', body, headers });
        return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
      },
    };
    const broker = new CredentialBroker({ dataDir: await mkdtemp(join(tmpdir(), 'sluice-broker-')), transport, skewMs: 60_000, now: () => now });
    const spec = credentialFromConfig({ secret: 's', oauth2: { grant: 'client_credentials', token_url: 'route:idp/token', client_id: 'c' } });
    const seen: string[] = [];
    const inject = async (): Promise<void> => {
      const view = { headers: {} as Record<string, string | string[]>, path: '/' };
      await injectCredential(view, spec, {
        resolve: () => Buffer.from('client-secret-value'),
        broker,
        who: null,
        intent: null,
        rule: 'r',
        reflect: () => undefined,
      });
      seen.push(String(view.headers.authorization));
    };
    await inject();
    now += 3_539_000; // 1 s before the refresh window opens
    await inject();
    assert.equal(as.hits.client_credentials, 1);
    now += 1_000;
    await inject();
    assert.equal(as.hits.client_credentials, 2);
    assert.equal(seen[0], seen[1]);
    assert.notEqual(seen[1], seen[2]);
    assert.match(seen[2]!, /^Bearer at-client_credentials-/);
  });
});

describe('a workflow revoked while its token is being made', () => {
  test('the token is not kept and the request fails closed; a later workflow is served', async () => {
    const transport: TokenTransport = { post: () => Promise.reject(new Error('not used')) };
    const broker = new CredentialBroker({ dataDir: await mkdtemp(join(tmpdir(), 'sluice-broker-')), transport });
    const spec = credentialFromConfig({ jwt: { audience: 'orders-api' } });
    const who = (session: string): { tenant: string; agent: string; session: string; human: null; tokenId: string } => ({
      tenant: 'acme',
      agent: 'bot',
      session,
      human: null,
      tokenId: `tok-${session}`,
    });
    const inject = (session: string): Promise<unknown> =>
      Promise.resolve(
        injectCredential({ headers: {}, path: '/' }, spec, {
          resolve: () => Buffer.alloc(0),
          broker,
          who: who(session),
          intent: 'order.read',
          rule: 'r',
          reflect: () => undefined,
        }),
      );
    // The key loads asynchronously, so the revocation lands while the token is being minted.
    const pending = inject('wf-gone');
    broker.revoked([{ kind: 'session', value: 'wf-gone', tenant: null }]);
    await assert.rejects(pending, /the workflow was revoked while its token was fetched/);
    assert.equal(broker.size, 0);
    await inject('wf-next');
    assert.equal(broker.size, 1);
  });
});

describe('an injection that could not scrub the token', () => {
  test('a brokered form given no reflect hook refuses before fetching anything (nothing sent unscrubbed)', async () => {
    let posts = 0;
    const transport: TokenTransport = {
      post: () => {
        posts++;
        return Promise.reject(new Error('not used'));
      },
    };
    const broker = new CredentialBroker({ dataDir: await mkdtemp(join(tmpdir(), 'sluice-broker-')), transport });
    const spec = credentialFromConfig({ secret: 's', oauth2: { grant: 'client_credentials', token_url: 'https://idp.example/token', client_id: 'c' } });
    const view = { headers: {} as Record<string, string | string[]>, path: '/' };
    await assert.rejects(
      Promise.resolve().then(() => injectCredential(view, spec, { resolve: () => Buffer.from('x'), broker, who: null, intent: null, rule: 'r' })),
      (err: Error & { reason?: string }) => err.reason === 'credential_unavailable' && /cannot scrub its token/.test(err.message),
    );
    assert.equal(posts, 0);
    assert.equal(view.headers.authorization, undefined);
  });
});
