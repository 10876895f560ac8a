import type { Who } from '../../policy/types.js';
import type { ChannelInfo } from '../types.js';

/**
 * The fixed facts of a stdio MCP conversation: the wrapper's minted identity, and
 * the server by its name (for policy it is both the name and the "host", so a rule
 * may name it either way; pins are kept under it). Audit records say transport and
 * scheme `stdio`, host the server name, port 0; never the command line, which may
 * carry a secret.
 *
 * @example
 * guard.open(stdioChannelInfo(principal, 'server-everything'));
 */
export function stdioChannelInfo(who: Who, server: string): ChannelInfo {
  return {
    who,
    server: { host: server.toLowerCase(), name: server },
    serverKey: server,
    audit: { transport: 'stdio', scheme: 'stdio', host: server, port: 0, path: '', address: null, credential: null, route: null },
    profile: null,
  };
}
