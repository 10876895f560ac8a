/**
 * Keeping a run's token alive: `sluice run` calls the gate's control socket every few
 * seconds; the gate renews the token once 2/3 of its life has passed and keeps the
 * child's alias pointed at the current one (re-binding it after a gate restart).
 * The child never restarts and never sees a token. Renewal stops for good when the
 * gate refuses it (session revoked, grant withdrawn, token no longer valid); the
 * child's requests are then refused (403, then 407 once the token expires).
 *
 * @example
 * const renewal = keepRenewed(session, (line) => process.stderr.write(line));
 * await exited;
 * await renewal.stop();
 */
import { ControlRefused, controlCall } from '../control/control-client.js';
import type { RenewAnswer } from '../control/protocol.js';

export interface Renewal {
  /** Stop renewing and tell the gate the run ended (its alias stops resolving at once). */
  stop(): Promise<void>;
  /** How many times the token was actually renewed. */
  readonly renewals: number;
}

export function keepRenewed(
  run: { control: string; token: string; alias: string; issuedAt: number; expiresAt: number },
  warn: (line: string) => void,
): Renewal {
  let token = run.token;
  let renewals = 0;
  let stopped = false;
  let failing = false;
  const life = run.expiresAt - run.issuedAt;
  // Often enough that a renewal lands well before expiry and a restarted gate gets the alias back within seconds.
  const every = Math.max(1000, Math.min(10_000, Math.floor(life / 6)));
  let inFlight: Promise<void> = Promise.resolve();
  const tick = async (): Promise<void> => {
    try {
      const a = await controlCall<RenewAnswer>(run.control, 'POST', '/v1/runs/renew', { token, alias: run.alias });
      token = a.token;
      if (a.renewed) renewals++;
      if (failing) warn(`renewal works again; token valid until ${new Date(a.identity.expires_at).toISOString()}`);
      failing = false;
    } catch (err) {
      if (err instanceof ControlRefused && err.status === 403) {
        warn(`token not renewed, renewal stopped: ${err.message} [${err.error}]; the command's requests will be refused`);
        stop();
        return;
      }
      // Gate restarting, socket briefly gone: try again next tick, say so once.
      if (!failing) warn(`token renewal failed, retrying every ${every / 1000}s: ${(err as Error).message}`);
      failing = true;
    }
  };
  const timer = setInterval(() => {
    if (!stopped) inFlight = inFlight.then(tick);
  }, every);
  timer.unref();
  function stop(): void {
    stopped = true;
    clearInterval(timer);
  }
  return {
    get renewals() {
      return renewals;
    },
    stop: async () => {
      const wasRunning = !stopped;
      stop();
      await inFlight;
      if (!wasRunning) return;
      await controlCall(run.control, 'POST', '/v1/runs/end', { token, alias: run.alias }, 2000).catch(() => undefined);
    },
  };
}
