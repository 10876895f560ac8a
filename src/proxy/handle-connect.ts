import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { newDecisionId } from '../audit/decision-id.js';
import type { AuditRecord, Finding } from '../audit/fields.js';
import { auditRecord } from '../audit/record.js';
import { opened } from './audit-open.js';
import type { Principal } from '../identity/principal.js';
import { IdentityError } from '../identity/errors.js';
import { normalizeHost } from '../net/host.js';
import { dial } from '../net/dial.js';
import { formatIp, parseIp } from '../net/ip.js';
import { decide } from '../policy/decide.js';
import { splitAuthority } from './classify-target.js';
import { writeRawDeny } from './deny-response.js';
import { mapFailure, Rejection } from './errors-map.js';
import { checkBeforePolicy } from './pre-policy.js';
import type { GateServices } from './gate-runtime.js';
import { aliasIn, identifyConnect } from './identify.js';
import { intercept } from './intercept.js';
import { UpstreamRelay } from './splice.js';
import type { TunnelContext } from './tunnel-context.js';

/**
 * CONNECT host:port. The identity is checked here, once, and kept by the tunnel.
 * Intercepted by default, so every request inside is decided, inspected and answered
 * with a readable deny body; hosts on `tls.passthrough` are decided by host alone and
 * spliced byte for byte to the vetted address.
 */
export function handleConnect(gate: GateServices, server: Server, req: IncomingMessage, socket: Socket, head: Buffer): void {
  void connect(gate, server, req, socket, head);
}

async function connect(gate: GateServices, server: Server, req: IncomingMessage, socket: Socket, head: Buffer): Promise<void> {
  const decisionId = newDecisionId();
  const record = connectRecord(gate, decisionId);
  socket.on('error', (err) => gate.logger.debug({ err: err.message, decision_id: decisionId }, 'client socket error'));
  let tunnel: TunnelContext;
  try {
    const target = parseConnect(req);
    record.host = target.hostText;
    record.port = target.port;
    const principal = await identifyConnect(gate, req);
    setWho(record, principal);
    if (principal) gate.limits?.attribute(socket, principal);
    const alias = principal ? aliasIn(req) : undefined;
    tunnel = { id: decisionId, ...target, clientSocket: socket, principal, ...(alias !== undefined ? { alias } : {}) };
    // A tunnel must not outlive its identity: at expiry (plus the clock tolerance) or
    // revocation it is cut, whatever runs inside (passthrough bytes, a WebSocket, idle
    // keep-alive), after the exchanges inside it have been ended for the same reason.
    if (principal) {
      const release = gate.exchanges.hold(principal, {
        carrier: true,
        end: (why) => {
          record.outcome = 'deny';
          record.reason = why.reason;
          record.error = why.reason;
          socket.destroy();
        },
      });
      if (socket.destroyed) release();
      else socket.once('close', release);
    }
  } catch (err) {
    if (err instanceof IdentityError && err.principal) setWho(record, err.principal);
    const f = mapFailure(err);
    gate.logger.warn({ decision_id: decisionId, code: f.code, target: truncate(req.url ?? '') }, f.reason);
    record.outcome = f.outcome === 'challenge' ? 'challenge' : 'deny';
    record.reason = f.error;
    record.status = f.status;
    begin(gate, record);
    writeRawDeny(socket, { error: f.error, reason: f.reason, rule: null, decision_id: decisionId }, f.headers);
    finish(gate, record);
    return;
  }
  if (gate.state().passthrough(tunnel.hostText)) {
    await passthrough(gate, socket, head, tunnel, record);
    return;
  }
  socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
  intercept(gate, server, socket, head, tunnel);
}

function parseConnect(req: IncomingMessage): Pick<TunnelContext, 'host' | 'hostText' | 'leafName' | 'port'> {
  const target = req.url ?? '';
  if (target.includes('/') || target.includes('@')) {
    throw new Rejection('bad_request', 'CONNECT target must be HOST:PORT (authority-form)');
  }
  const { hostPart, port } = splitAuthority(target, null);
  const host = normalizeHost(hostPart);
  const hostText = host.kind === 'ip' ? host.text : host.name;
  // `[::ffff:1.2.3.4]` is decided as 1.2.3.4, but the agent verifies a certificate for the IPv6 address.
  const written = host.kind === 'ip' && host.ip.family === 4 && hostPart.startsWith('[') ? parseIp(hostPart.slice(1, -1)) : null;
  return { host, hostText, leafName: written === null ? hostText : formatIp(written), port };
}

async function passthrough(gate: GateServices, client: Socket, head: Buffer, tunnel: TunnelContext, record: AuditRecord): Promise<void> {
  const state = gate.state();
  try {
    const host = tunnel.host;
    // The same host checks as every other request (hostname DLP, SSRF for IP literals and loopback names).
    const pre = { host, hostText: tunnel.hostText, port: tunnel.port, findings: [] as Finding[], auditHost: null as string | null };
    try {
      checkBeforePolicy(state, pre);
    } finally {
      record.findings = pre.findings;
      if (pre.auditHost !== null) record.host = pre.auditHost;
    }
    const d = decide({ scheme: 'https', host: tunnel.hostText, port: tunnel.port, method: 'CONNECT', path: '' }, tunnel.principal, state.policy);
    record.rule = d.rule;
    record.reason = d.reason;
    if (d.outcome === 'deny') {
      throw new Rejection('policy_denied', `no rule allows CONNECT ${tunnel.hostText}:${tunnel.port} (passthrough host, decided by host only)`, d.rule);
    }
    const vetted = await state.resolver.resolve(host, tunnel.port);
    record.address = vetted.address;
    if (!begin(gate, record) || (state.auditFailClosed === 'all' && !gate.auditHealthy())) {
      throw new Rejection('audit_unavailable', 'the audit trail cannot record this tunnel; every request is refused until it recovers (audit.fail_closed: all)', d.rule);
    }
    const relay = new UpstreamRelay();
    const upstream = await dial(vetted.address, tunnel.port, gate.timeouts.upstreamConnectMs, relay.onread);
    if (client.destroyed) {
      upstream.destroy();
      // Unless the identity's end is what closed it (that reason is already recorded).
      if (record.error === null) {
        record.outcome = 'error';
        record.error = 'client_closed';
      }
      return finish(gate, record);
    }
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) upstream.write(head);
    client.pipe(upstream);
    relay.attach(upstream, client);
    // The HTTP server's idle timeout no longer applies to a spliced socket: set our own.
    for (const s of [client, upstream]) {
      s.setTimeout(gate.timeouts.idleMs, () => {
        record.error = 'idle_timeout';
        s.destroy();
      });
    }
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    let closed = false;
    const onClose = (): void => {
      if (closed) return;
      closed = true;
      client.destroy();
      upstream.destroy();
      relay.release();
      record.bytes_in = upstream.bytesWritten;
      record.bytes_out = client.bytesWritten;
      finish(gate, record);
    };
    client.once('close', onClose);
    upstream.once('close', onClose);
  } catch (err) {
    const f = mapFailure(err);
    record.outcome = f.outcome;
    record.reason = f.error === 'policy_denied' ? record.reason : f.error;
    record.status = f.status;
    if (f.outcome === 'error') {
      record.error = f.error;
      gate.logger.warn({ decision_id: record.decision_id, code: f.code, ...(f.cause ? { cause: f.cause } : {}), host: record.host }, f.reason);
    }
    begin(gate, record);
    writeRawDeny(client, { error: f.error, reason: f.reason, rule: f.rule ?? record.rule, decision_id: record.decision_id }, f.headers);
    finish(gate, record);
  }
}

/** A CONNECT's own audit record: written when it is refused, or when a passthrough tunnel closes. */
function connectRecord(gate: GateServices, decisionId: string): AuditRecord & { startNs: bigint } {
  return {
    startNs: process.hrtime.bigint(),
    ...auditRecord({
      decision_id: decisionId,
      time: new Date().toISOString(),
      policy_version: gate.state().policy.version,
      method: 'CONNECT',
      scheme: 'https',
      outcome: 'allow',
      reason: 'rule_allow',
      status: 200,
      transport: 'tunnel',
    }),
  };
}

function setWho(record: AuditRecord, p: Principal | null): void {
  if (!p) return;
  record.tenant = p.tenant;
  record.agent = p.agent;
  record.session = p.session;
  record.human = p.human;
}

/** The tunnel's decision on record before anything leaves (once; a refusal after an allowed open is the same exchange). */
function begin(gate: GateServices, record: AuditRecord & { startNs?: bigint; opened?: boolean }): boolean {
  if (record.opened) return true;
  record.opened = true;
  const { startNs: _s, opened: _o, ...rest } = record;
  return opened(gate, rest);
}

function finish(gate: GateServices, record: AuditRecord & { startNs?: bigint; opened?: boolean }): void {
  const { startNs, opened: _o, ...rest } = record;
  if (startNs !== undefined) rest.duration_ms = Number(process.hrtime.bigint() - startNs) / 1e6;
  gate.audit.write(rest);
}

/** For logs: at most 200 characters, and never anything that could be a userinfo part. */
function truncate(s: string): string {
  const at = s.lastIndexOf('@');
  const safe = at === -1 ? s : `[userinfo removed]@${s.slice(at + 1)}`;
  return safe.length > 200 ? `${safe.slice(0, 200)}…` : safe;
}
