import type { IncomingMessage, Server } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { newDecisionId } from '../audit/decision-id.js';
import type { AuditRecord } from '../audit/fields.js';
import { normalizeHost } from '../net/host.js';
import { decide } from '../policy/decide.js';
import { splitAuthority } from './classify-target.js';
import { writeRawDeny } from './deny-response.js';
import { mapFailure, Rejection } from './errors-map.js';
import type { GateServices } from './gate-runtime.js';
import { intercept } from './intercept.js';
import type { TunnelContext } from './tunnel-context.js';

/**
 * CONNECT host:port. Intercepted by default, so every request inside is decided,
 * inspected and answered with a readable deny body; hosts on `tls.passthrough` are
 * decided by host alone and spliced byte for byte to the vetted address.
 */
export function handleConnect(gate: GateServices, server: Server, req: IncomingMessage, socket: Socket, head: Buffer): void {
  const decisionId = newDecisionId();
  socket.on('error', (err) => gate.logger.debug({ err: err.message, decision_id: decisionId }, 'client socket error'));
  let tunnel: TunnelContext;
  try {
    tunnel = parseConnect(req, socket, decisionId);
  } catch (err) {
    const f = mapFailure(err);
    gate.logger.warn({ decision_id: decisionId, code: f.code, target: truncate(req.url ?? '') }, f.reason);
    writeRawDeny(socket, f.status, { error: f.error, reason: f.reason, rule: null, decision_id: decisionId });
    return;
  }
  const state = gate.state();
  if (state.passthrough(tunnel.hostText)) {
    void passthrough(gate, socket, head, tunnel, decisionId);
    return;
  }
  socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
  intercept(gate, server, socket, head, tunnel);
}

function parseConnect(req: IncomingMessage, socket: Socket, id: string): TunnelContext {
  const target = req.url ?? '';
  if (target.includes('/') || target.includes('@')) {
    throw new Rejection(400, 'bad_request', 'CONNECT target must be HOST:PORT (authority-form)');
  }
  const { hostPart, port } = splitAuthority(target, null);
  const host = normalizeHost(hostPart);
  const hostText = host.kind === 'ip' ? host.text : host.name;
  return { id, host, hostText, port, clientSocket: socket };
}

async function passthrough(
  gate: GateServices,
  client: Socket,
  head: Buffer,
  tunnel: TunnelContext,
  decisionId: string,
): Promise<void> {
  const state = gate.state();
  const start = process.hrtime.bigint();
  const record: AuditRecord = {
    decision_id: decisionId,
    time: new Date().toISOString(),
    tenant: null,
    agent: null,
    session: null,
    human: null,
    method: 'CONNECT',
    scheme: 'https',
    host: tunnel.hostText,
    port: tunnel.port,
    path: '',
    intent: null,
    outcome: 'allow',
    reason: 'rule_allow',
    rule: null,
    policy_version: state.policy.version,
    credential: null,
    route: null,
    status: 200,
    bytes_in: 0,
    bytes_out: 0,
    duration_ms: 0,
    findings: [],
    transport: 'tunnel',
    address: null,
    error: null,
    synthesised: false,
    rewritten: [],
  };
  const finish = (): void => {
    record.duration_ms = Number(process.hrtime.bigint() - start) / 1e6;
    gate.audit.write(record);
  };
  try {
    const host = tunnel.host;
    if (host.kind === 'ip') state.resolver.vet(tunnel.hostText, host.ip, tunnel.port);
    const d = decide({ scheme: 'https', host: tunnel.hostText, port: tunnel.port, method: 'CONNECT', path: '' }, state.policy);
    record.rule = d.rule;
    record.reason = d.reason;
    if (d.outcome === 'deny') throw new Rejection(403, 'policy_denied', `no rule allows CONNECT ${tunnel.hostText}:${tunnel.port} (passthrough host, decided by host only)`, d.rule);
    const vetted = await state.resolver.resolve(host, tunnel.port);
    record.address = vetted.address;
    const upstream = await dial(vetted.address, tunnel.port, gate.timeouts.upstreamConnectMs);
    if (client.destroyed) {
      upstream.destroy();
      record.outcome = 'error';
      record.error = 'client_closed';
      return finish();
    }
    client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length) upstream.write(head);
    client.pipe(upstream);
    upstream.pipe(client);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    let closed = 0;
    const onClose = (): void => {
      if (++closed === 1) {
        client.destroy();
        upstream.destroy();
        record.bytes_in = upstream.bytesWritten;
        record.bytes_out = client.bytesWritten;
        finish();
      }
    };
    client.once('close', onClose);
    upstream.once('close', onClose);
  } catch (err) {
    const f = mapFailure(err);
    record.outcome = f.outcome;
    record.reason = f.error;
    record.status = f.status;
    if (f.outcome === 'error') record.error = f.code;
    writeRawDeny(client, f.status, { error: f.error, reason: f.reason, rule: f.rule ?? record.rule, decision_id: decisionId });
    finish();
  }
}

function dial(address: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: address, port, noDelay: true });
    const timer = setTimeout(() => {
      s.destroy();
      reject(Object.assign(new Error('connect timeout'), { code: 'UND_ERR_CONNECT_TIMEOUT' }));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(timer);
      resolve(s);
    });
    s.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

function truncate(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}
