/**
 * OCSF events to syslog (RFC 5424), one message per event: `<PRI>1 TIME HOST sluice PID
 * ocsf-CLASS - BOM JSON`, facility 13 (log audit), severity from the event's. Over UDP
 * each message is one datagram (sent, not acknowledged: a receiver that is down loses
 * them, which is logged when the kernel reports it). Over TCP, messages are framed by
 * octet counting (RFC 6587) and wait in a bounded on-disk spool while the receiver is
 * unreachable; the connection is retried with backoff.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { connect, type Socket } from 'node:net';
import { hostname } from 'node:os';
import type { OcsfEvent } from './map.js';
import { Spool } from './spool.js';
import { backoffMs, type ExportTransport, type TransportHooks } from './transport.js';

/** OCSF severity_id to syslog severity (RFC 5424 table 2). */
const SYSLOG_SEVERITY: Readonly<Record<number, number>> = { 0: 6, 1: 6, 2: 5, 3: 4, 4: 3, 5: 2, 6: 0, 99: 5 };
const FACILITY_LOG_AUDIT = 13;
const HOST =
  hostname()
    .replace(/[^!-~]/g, '')
    .slice(0, 255) || '-';
const MAX_UDP = 65_507;

/**
 * One RFC 5424 message for an event.
 *
 * @example
 * syslogMessage(event, json, 'sluice') // '<110>1 2025-01-01T00:00:00.000Z host sluice 123 ocsf-4002 - \uFEFF{...}'
 */
export function syslogMessage(e: OcsfEvent, json: string, app: string): string {
  const sev = SYSLOG_SEVERITY[(e.severity_id as number | undefined) ?? 0] ?? 5;
  return `<${FACILITY_LOG_AUDIT * 8 + sev}>1 ${new Date(e.time).toISOString()} ${HOST} ${app} ${process.pid} ocsf-${e.class_uid} - \uFEFF${json}`;
}

export interface SyslogOptions {
  host: string;
  port: number;
  protocol: 'udp' | 'tcp';
  app_name: string;
  spoolFile: string;
  spoolBytes: number;
}

/**
 * @example
 * const t = new SyslogExport({ host: '127.0.0.1', port: 514, protocol: 'tcp', app_name: 'sluice', spoolFile, spoolBytes }, hooks);
 */
export class SyslogExport implements ExportTransport {
  private udp: UdpSocket | null = null;
  private tcp: Socket | null = null;
  private connected = false;
  private writing = false;
  private failures = 0;
  private retry: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly spool: Spool | null;

  constructor(
    private readonly opts: SyslogOptions,
    private readonly hooks: TransportHooks,
  ) {
    if (opts.protocol === 'udp') {
      this.udp = createSocket(isIPv6(opts.host) ? 'udp6' : 'udp4');
      this.udp.on('error', (err) => hooks.onError(new Error(`OCSF syslog udp://${opts.host}:${opts.port}: ${err.message}`)));
      this.udp.unref();
      this.spool = null;
    } else {
      this.spool = new Spool({ file: opts.spoolFile, maxBytes: opts.spoolBytes, onDrop: hooks.onDrop, onError: hooks.onError });
      this.dial();
    }
  }

  send(events: readonly OcsfEvent[], lines: readonly string[]): void {
    const msgs = events.map((e, i) => syslogMessage(e, lines[i]!, this.opts.app_name));
    if (this.udp) {
      for (const m of msgs) {
        const buf = Buffer.from(m, 'utf8');
        if (buf.length > MAX_UDP) {
          this.hooks.onDrop(1, `a syslog message of ${buf.length} bytes does not fit a UDP datagram`);
          continue;
        }
        this.udp.send(buf, this.opts.port, this.opts.host, (err) => {
          if (err) this.hooks.onDrop(1, `syslog udp://${this.opts.host}:${this.opts.port}: ${err.message}`);
          else this.hooks.onSent(1);
        });
      }
      return;
    }
    this.spool!.push(msgs);
    this.pump();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    if (this.udp) {
      const u = this.udp;
      await new Promise<void>((resolve) => u.close(() => resolve()));
      return;
    }
    // What is waiting gets a moment to go, then stays in the spool for the next start.
    const until = Date.now() + 2_000;
    while (this.connected && this.spool!.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    this.tcp?.end();
    this.tcp?.destroy();
    await this.spool!.close();
  }

  private dial(): void {
    if (this.closed) return;
    const s = connect({ host: this.opts.host, port: this.opts.port });
    this.tcp = s;
    s.unref();
    s.setNoDelay(true);
    s.on('connect', () => {
      this.connected = true;
      if (this.failures > 0)
        this.hooks.onError(new Error(`OCSF syslog tcp://${this.opts.host}:${this.opts.port}: connected again; sending ${this.spool!.size} spooled events`));
      this.failures = 0;
      this.pump();
    });
    s.on('error', () => undefined); // 'close' follows, with the outage reported there
    s.on('close', (hadError) => {
      if (this.tcp !== s) return;
      this.connected = false;
      this.writing = false;
      this.tcp = null;
      if (this.closed) return;
      if (this.failures++ === 0 || this.failures % 20 === 0)
        this.hooks.onError(
          new Error(
            `OCSF syslog tcp://${this.opts.host}:${this.opts.port} is unreachable${hadError ? '' : ' (closed)'}; ${this.spool!.size} events spooled, retrying`,
          ),
        );
      this.retry = setTimeout(() => this.dial(), backoffMs(this.failures, 30_000, 100));
      this.retry.unref();
    });
  }

  private pump(): void {
    const s = this.tcp;
    if (!s || !this.connected || this.writing || this.spool!.size === 0) return;
    const batch = this.spool!.peek(256);
    this.writing = true;
    s.write(batch.map((m) => `${Buffer.byteLength(m, 'utf8')} ${m}`).join(''), (err) => {
      if (this.tcp !== s) return;
      this.writing = false;
      if (err) return; // 'close' follows; the batch stays spooled
      this.spool!.ack(batch.length);
      this.hooks.onSent(batch.length);
      this.pump();
    });
  }
}
