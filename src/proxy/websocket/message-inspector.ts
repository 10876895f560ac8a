import { ReflectionScrubber } from '../../credentials/reflection-scrubber.js';
import type { Finding } from '../../inspect/finding.js';
import { stripInjections } from '../../inspect/injection/strip.js';
import type { InjectionFinding } from '../../inspect/injection/types.js';
import type { InspectProfile } from '../../policy/types.js';
import type { GateState } from '../gate-runtime.js';
import { settle } from '../inspect-request.js';

/** Where WebSocket findings are placed in the audit record. */
export const WS_LOCATION = 'ws.message';

/** What to do with one complete text message. */
export type Verdict =
  | { ok: true; text: string; findings: Finding[] }
  | { ok: false; error: 'dlp_blocked' | 'injection_blocked'; findings: Finding[] };

/** Scans whole text messages: DLP on the agent's, injection (and reflected secrets) on the upstream's. */
export interface MessageInspector {
  outbound(text: string): Verdict;
  inbound(text: string): Verdict;
}

/**
 * The inspection a WebSocket session gets, from the same settings as an HTTP request:
 * the rule's `inspect` profile, else the config's `inspect.dlp.action` and
 * `inspect.injection`. Whole messages are in hand, so `redact` (DLP) and `strip`
 * (injection) rewrite the message; if the rewrite cannot be shown clean, it blocks.
 *
 * @example
 * const insp = messageInspector(state, decision.inspect, up.scrub);
 * const v = insp.outbound('here is my key ...'); // { ok: false, error: 'dlp_blocked', findings }
 */
export function messageInspector(state: GateState, profile: InspectProfile | null, scrub: readonly Buffer[]): MessageInspector {
  const dlp = state.dlp;
  const dlpLevel = profile?.dlp ?? dlp.action;
  const injectionAction = profile?.injection ?? state.inspect.injection;
  const dlpScan = (text: string): Finding[] => settle(dlp.scanner.scanText(text, WS_LOCATION), dlp, profile?.dlp);

  return {
    outbound(text) {
      if (dlpLevel === 'off') return { ok: true, text, findings: [] };
      const findings = dlpScan(text);
      if (findings.length === 0) return { ok: true, text, findings };
      const stop = findings.filter((f) => f.action === 'block');
      if (stop.length > 0) return { ok: false, error: 'dlp_blocked', findings };
      const redact = findings.filter((f) => f.action === 'redact');
      if (redact.length === 0) return { ok: true, text, findings };
      const redacted = dlp.scanner.redact(text, redact);
      // Fail closed: what leaves must scan clean of anything but warnings.
      if (dlpScan(redacted).some((f) => f.action !== 'warn')) return { ok: false, error: 'dlp_blocked', findings };
      return { ok: true, text: redacted, findings };
    },
    inbound(text) {
      const findings: Finding[] = [];
      let out = text;
      if (scrub.length > 0) {
        const s = new ReflectionScrubber(scrub);
        const b = Buffer.concat([s.push(Buffer.from(text, 'utf8')), s.end()]);
        if (s.replaced > 0) {
          out = b.toString('utf8');
          findings.push({ type: 'reflected_secret', location: WS_LOCATION, action: 'redact' });
        }
      }
      if (injectionAction === 'off') return { ok: true, text: out, findings };
      const found = state.injection.scanText(out, WS_LOCATION);
      const blocking = found.filter((f) => f.action === 'block');
      for (const f of found) findings.push(cleanFinding(f, injectionAction));
      if (blocking.length === 0 || injectionAction === 'warn') return { ok: true, text: out, findings };
      if (injectionAction === 'block') return { ok: false, error: 'injection_blocked', findings };
      try {
        return { ok: true, text: stripInjections(out, blocking), findings };
      } catch {
        return { ok: false, error: 'injection_blocked', findings: findings.map((f) => (f.action === 'redact' ? { ...f, action: 'block' } : f)) };
      }
    },
  };
}

/** The audit form of an injection finding: never its excerpt; the action actually applied. */
function cleanFinding(f: InjectionFinding, action: 'block' | 'strip' | 'warn'): Finding {
  const applied = f.action === 'block' ? (action === 'strip' ? 'redact' : action) : f.action;
  return { type: f.type, location: f.location, action: applied, ...(f.detail ? { detail: f.detail } : {}) };
}
