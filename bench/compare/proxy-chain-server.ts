/**
 * proxy-chain (npm) as a contender: its Server with no upstream proxy and no auth, on
 * loopback. The package lives in a throwaway npm prefix (see tools.ts), so it is loaded
 * from there rather than imported. Prints "proxy-chain listening on PORT".
 *
 * @example
 * node dist/bench/compare/proxy-chain-server.js --prefix /tmp/x/proxy-chain --port 8000
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

interface ProxyChainServer {
  listen(): Promise<void>;
  on(event: 'requestFailed', fn: (e: unknown) => void): void;
}
type ServerCtor = new (opts: { port: number; host?: string; verbose?: boolean }) => ProxyChainServer;

const { values } = parseArgs({ options: { prefix: { type: 'string' }, port: { type: 'string' } }, strict: true });
if (values.prefix === undefined || values.port === undefined) throw new Error('usage: proxy-chain-server --prefix DIR --port N');
const require = createRequire(join(values.prefix, 'noop.js'));
const { Server } = require('proxy-chain') as { Server: ServerCtor };
const server = new Server({ port: Number(values.port), host: '127.0.0.1', verbose: false });
server.on('requestFailed', () => {
  // Counted by the load generator as an error; nothing to log per request.
});
await server.listen();
process.stdout.write(`proxy-chain listening on ${values.port}\n`);
process.once('SIGTERM', () => process.exit(0));
