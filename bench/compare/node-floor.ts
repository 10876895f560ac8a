/**
 * The floor of a forward proxy written on Node's own HTTP stack, as a contender: the
 * same two pieces Sluice forwards with (Node's `http` server to the agent, an undici
 * Pool per upstream) and nothing else: no identity, no policy, no inspection, no audit.
 * Each absolute-form request is sent to its upstream and the response streamed back.
 * What it costs a request is what any proxy built on these pieces pays before it does
 * anything of its own, so Sluice's figure minus this one is Sluice's own work, and this
 * one against Squid says how far Node's stack alone is from it. Prints
 * "node floor listening on PORT". Not a proxy to use: it forwards anything anywhere.
 *
 * @example
 * node dist/bench/compare/node-floor.js --port 8000
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const { values } = parseArgs({ options: { port: { type: 'string' } }, strict: true });
if (values.port === undefined) throw new Error('usage: node-floor --port N');

const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
const pools = new Map<string, Pool>();
const poolFor = (origin: string): Pool => {
  let p = pools.get(origin);
  if (p === undefined) pools.set(origin, (p = new Pool(origin, { connections: 128, pipelining: 1 })));
  return p;
};

const server = createServer({ noDelay: true }, (req, res) => {
  let url: URL;
  try {
    url = new URL(req.url ?? '');
  } catch {
    res.writeHead(400).end();
    return;
  }
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP.has(k)) headers[k] = v;
  const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  poolFor(url.origin).dispatch(
    { method: req.method ?? 'GET', path: url.pathname + url.search, headers, body: hasBody ? req : null },
    {
      onConnect: () => undefined,
      onError: () => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      },
      onHeaders: (status, raw, resume) => {
        const out: string[] = [];
        for (let i = 0; i < raw.length; i += 2) {
          const name = raw[i]!.toString('latin1');
          if (!HOP.has(name.toLowerCase())) out.push(name, raw[i + 1]!.toString('latin1'));
        }
        res.writeHead(status, out);
        res.on('drain', resume);
        return true;
      },
      onData: (chunk) => res.write(chunk),
      onComplete: () => res.end(),
    },
  );
});
server.listen(Number(values.port), '127.0.0.1', () => process.stdout.write(`node floor listening on ${values.port}\n`));
process.once('SIGTERM', () => process.exit(0));
