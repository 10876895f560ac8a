import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The entry point of @modelcontextprotocol/server-everything (an npm MCP server). */
export function everythingEntry(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')), 'dist', 'index.js');
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface Everything {
  port: number;
  child: ChildProcess;
  close(): Promise<void>;
}

/** server-everything over `streamableHttp` (at /mcp) or `sse` (GET /sse, POST /message), on a free loopback port. */
export async function startEverything(transport: 'streamableHttp' | 'sse'): Promise<Everything> {
  const port = await freePort();
  const child = spawn(process.execPath, [everythingEntry(), transport], { env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server-everything did not start: ${err}`)), 15_000);
    child.stderr.on('data', (c: Buffer) => {
      err += c.toString();
      if (/listening on port|running on port/i.test(err)) {
        clearTimeout(t);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`server-everything exited (${code}): ${err}`));
    });
  });
  return {
    port,
    child,
    close: async () => {
      if (child.exitCode !== null) return;
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      await gone;
    },
  };
}
