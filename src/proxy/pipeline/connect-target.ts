import { normalizeHost } from '../../net/host.js';
import { formatIp, parseIp } from '../../net/ip.js';
import { splitAuthority } from '../classify-target.js';
import { Rejection } from '../errors-map.js';
import type { Exchange } from './exchange.js';

/** CONNECT's classify: the authority-form target `HOST:PORT`, nothing else. */
export function connectTarget(x: Exchange, next: () => Promise<void>): Promise<void> {
  const target = x.req.url ?? '';
  if (target.includes('/') || target.includes('@')) {
    throw new Rejection('bad_request', 'CONNECT target must be HOST:PORT (authority-form)');
  }
  const { hostPart, port } = splitAuthority(target, null);
  const host = normalizeHost(hostPart);
  x.host = host;
  x.hostText = host.kind === 'ip' ? host.text : host.name;
  x.port = port;
  // `[::ffff:1.2.3.4]` is decided as 1.2.3.4, but the agent verifies a certificate for the IPv6 address.
  const written = host.kind === 'ip' && host.ip.family === 4 && hostPart.startsWith('[') ? parseIp(hostPart.slice(1, -1)) : null;
  x.carrier!.leafName = written === null ? x.hostText : formatIp(written);
  return next();
}
