import { connect } from 'node:net';

/**
 * Write raw bytes to a port and collect everything that comes back until the peer
 * closes (or `timeoutMs`). For inputs no well-behaved client would send.
 */
export function rawExchange(
  port: number,
  data: string | Buffer,
  opts: { timeoutMs?: number; host?: string } = {},
): Promise<{ response: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host: opts.host ?? '127.0.0.1' });
    const chunks: Buffer[] = [];
    let closed = false;
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ response: Buffer.concat(chunks).toString('latin1'), closed });
    }, opts.timeoutMs ?? 5000);
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ECONNRESET') return;
      clearTimeout(timer);
      reject(e);
    });
    s.on('close', () => {
      closed = true;
      clearTimeout(timer);
      resolve({ response: Buffer.concat(chunks).toString('latin1'), closed });
    });
    s.write(data);
  });
}

/** Split a raw HTTP/1.1 response into status, headers and body (a chunked body decoded). */
export function parseRawResponse(text: string): { status: number; headers: Record<string, string>; body: string } {
  const r = splitResponse(text);
  return { ...r, body: r.headers['transfer-encoding'] === 'chunked' ? dechunk(r.body) : r.body };
}

/**
 * Split a response head from its body as is: for what a client already decoded (curl's
 * `-D -` output: the head as received, the body de-chunked and decompressed).
 */
export function splitResponse(text: string): { status: number; headers: Record<string, string>; body: string } {
  const end = text.indexOf('\r\n\r\n');
  const head = end === -1 ? text : text.slice(0, end);
  const [statusLine, ...lines] = head.split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status, headers, body: end === -1 ? '' : text.slice(end + 4) };
}

/** Decode a chunked body (RFC 9112 §7.1); throws on malformed framing so a test cannot pass on garbage. */
function dechunk(raw: string): string {
  let out = '';
  let i = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', i);
    if (eol === -1) throw new Error('truncated chunked body');
    const size = parseInt(raw.slice(i, eol).split(';')[0]!, 16);
    if (Number.isNaN(size)) throw new Error('bad chunk size');
    if (size === 0) return out;
    out += raw.slice(eol + 2, eol + 2 + size);
    i = eol + 2 + size + 2;
  }
}
