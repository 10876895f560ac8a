/**
 * The gate's own outbound calls for a credential (an STS or token endpoint): through
 * the same resolver and address checks as every agent request (resolve once, classify
 * every address, dial the vetted one from the shared pools), with a bounded answer.
 * An operator's endpoint on a private address needs `network.allow_private`, as any
 * upstream does: the broker gets no way around the SSRF rules.
 *
 * @example
 * const fetch = vettedFetch(x.state.resolver, x.gate.pools);
 * const res = await fetch('https://sts.us-east-1.amazonaws.com/', { method: 'POST', headers, body });
 */
import type { BrokerFetch } from '../credentials/forms/form.js';
import { normalizeHost } from '../net/host.js';
import type { Resolver } from '../net/resolve.js';
import type { UpstreamPools } from '../net/upstream-pools.js';

/** An endpoint's answer is a small document; anything longer is not one. */
const MAX_ANSWER_BYTES = 256 * 1024;

export function vettedFetch(resolver: Resolver, pools: UpstreamPools): BrokerFetch {
  return async (url, init) => {
    const u = new URL(url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new TypeError(`not an http(s) URL: ${u.protocol}`);
    const scheme = u.protocol === 'https:' ? 'https' : 'http';
    const port = u.port === '' ? (scheme === 'https' ? 443 : 80) : Number(u.port);
    const host = normalizeHost(u.hostname);
    const vetted = await resolver.resolve(host, port);
    const pool = pools.get(scheme, vetted.address, vetted.family, port, host.kind === 'name' ? host.name : null);
    const res = await pool.request({
      method: init.method,
      path: `${u.pathname}${u.search}`,
      headers: { ...init.headers, host: u.host },
      body: init.body ?? null,
    });
    const parts: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_ANSWER_BYTES) {
        res.body.destroy();
        throw new RangeError(`the answer from ${u.host} is over ${MAX_ANSWER_BYTES} bytes`);
      }
      parts.push(chunk);
    }
    return { status: res.statusCode, body: Buffer.concat(parts).toString('utf8') };
  };
}
