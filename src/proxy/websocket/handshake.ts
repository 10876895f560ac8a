import { scrubHeaders } from '../../credentials/reflection-scrubber.js';
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { DECISION_HEADER } from '../deny-response.js';
import { Rejection } from '../errors-map.js';
import { clientResponseHeaders } from '../hop-by-hop.js';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Whether an `Upgrade` request asks for WebSocket (the only upgrade the gate proxies). */
export function isWebSocketUpgrade(req: IncomingMessage): boolean {
  const u = req.headers.upgrade;
  return typeof u === 'string' && u.split(',').some((t) => t.trim().toLowerCase() === 'websocket');
}

/** RFC 6455 §4.2.1: a GET, version 13, a 16-byte key, no body. Anything else is refused before dialling. */
export function checkHandshake(req: IncomingMessage): string {
  if (req.method !== 'GET') throw new Rejection('bad_request', `a WebSocket handshake is a GET, not ${req.method}`);
  const version = req.headers['sec-websocket-version'];
  if (version !== '13') {
    throw new Rejection('bad_request', 'unsupported Sec-WebSocket-Version: only 13 (RFC 6455) is proxied', null, { 'sec-websocket-version': '13' });
  }
  const key = req.headers['sec-websocket-key'];
  if (typeof key !== 'string' || !/^[A-Za-z0-9+/]{22}==$/.test(key.trim())) {
    throw new Rejection('bad_request', 'missing or malformed Sec-WebSocket-Key');
  }
  if (req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0') {
    throw new Rejection('bad_request', 'a WebSocket handshake carries no body');
  }
  return key.trim();
}

/** The Sec-WebSocket-Accept value for a key. */
export function acceptFor(key: string): string {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

/**
 * The upgrade headers to send upstream, from the pipeline's end-to-end headers (which
 * already lost Connection and Upgrade as hop-by-hop). Sec-WebSocket-Extensions is
 * dropped: with no extension offered, permessage-deflate is never negotiated, so every
 * frame the gate reads is plain text or bytes it can inspect.
 */
export function upstreamUpgradeHeaders(headers: Record<string, string | string[]>): Record<string, string | string[]> {
  delete headers['sec-websocket-extensions'];
  headers.connection = 'Upgrade';
  headers.upgrade = 'websocket';
  return headers;
}

/**
 * Check the upstream's 101 against what the agent asked for, and build the 101 the
 * agent gets: the upgrade fields, the upstream's other end-to-end fields, and the
 * decision id.
 */
export function switchingProtocolsHead(
  key: string,
  agentReq: IncomingMessage,
  res: IncomingMessage,
  decisionId: string,
  scrub: readonly Buffer[] = [],
): string {
  const h = res.headers;
  if (!isWebSocketToken(h.upgrade)) throw upstreamRefused('the upstream switched to something other than WebSocket');
  if (h['sec-websocket-accept'] !== acceptFor(key)) throw upstreamRefused('the upstream answered with a wrong Sec-WebSocket-Accept');
  if (h['sec-websocket-extensions'] !== undefined) throw upstreamRefused('the upstream negotiated an extension the gate did not offer');
  const proto = h['sec-websocket-protocol'];
  if (proto !== undefined) {
    const offered = (agentReq.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    if (!offered.includes(proto)) throw upstreamRefused('the upstream chose a subprotocol the agent did not offer');
  }
  let head = 'HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n';
  // An upstream that echoes the injected credential in its 101 head must not hand it to the agent.
  const end =
    scrub.length > 0 ? scrubHeaders(clientResponseHeaders(h) as Record<string, string | string[] | undefined>, scrub).headers : clientResponseHeaders(h);
  for (const [name, value] of Object.entries(end)) {
    if (value === undefined) continue;
    if (name === 'content-length') continue;
    for (const v of Array.isArray(value) ? value : [value]) head += `${name}: ${String(v)}\r\n`;
  }
  return `${head}${DECISION_HEADER}: ${decisionId}\r\n\r\n`;
}

function isWebSocketToken(v: string | undefined): boolean {
  return typeof v === 'string' && v.trim().toLowerCase() === 'websocket';
}

function upstreamRefused(reason: string): Rejection {
  return new Rejection('upstream_failed', reason);
}
