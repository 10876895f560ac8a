import type { Logger } from 'pino';
import type { CompiledPolicy } from '../policy/compile.js';
import type { Resolver } from '../net/resolve.js';
import type { AuditSink } from '../audit/sink.js';
import type { UpstreamPools } from './upstream-pools.js';
import type { LeafCertCache } from '../tls/leaf-cache.js';
import type { TokenVerifier } from '../identity/token-verifier.js';
import type { RevocationStore } from '../state/revocations.js';
import type { TunnelContext } from './tunnel-context.js';

/**
 * The parts a request needs, swapped as one object on reload so a request sees
 * one consistent policy and resolver from start to end.
 */
export interface GateState {
  readonly policy: CompiledPolicy;
  readonly resolver: Resolver;
  /** Hosts tunnelled without interception (exact names and `*.` wildcards). */
  readonly passthrough: (host: string) => boolean;
  /** `identity.required`: refuse requests without a token (407). */
  readonly identityRequired: boolean;
}

/** Long-lived services shared by every request. */
export interface GateServices {
  readonly logger: Logger;
  readonly audit: AuditSink;
  readonly pools: UpstreamPools;
  readonly leaves: LeafCertCache;
  readonly identity: {
    readonly verifier: TokenVerifier;
    readonly revocations: RevocationStore;
  };
  /** Open tunnels, so revocation and shutdown can cut them. */
  readonly tunnels: Set<TunnelContext>;
  readonly timeouts: {
    readonly tlsHandshakeMs: number;
    readonly upstreamConnectMs: number;
    readonly idleMs: number;
  };
  state(): GateState;
}
