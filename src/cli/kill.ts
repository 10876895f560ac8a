import type { KillEntry, StopStore } from '../state/index.js';
import { printList, waitOption } from './applied.js';
import { stopCommand } from './stop-command.js';
import { parseOptionsOnly, shared, STRING } from './flags.js';
import { UsageError } from '../usage-error.js';

export const help = `sluice kill [--tenant T] [--reason R] [--wait 5s] [--config FILE]
sluice kill --off [--tenant T] [--wait 5s] [--config FILE]
sluice kill --list [--config FILE]

The red button. Every running gate on this data directory refuses all traffic (503
gate_killed), or only tenant T's, and ends what is open: plain requests and
uploads, streamed downloads, intercepted and passthrough tunnels, WebSockets.
Returns once every running gate has applied it; survives a gate restart. Only
this command on the data directory lifts it: nothing an agent sends can.
Needs only the data directory (works with an invalid config, as 'sluice revoke').

  --tenant T   only tenant T (without it: every tenant)
  --reason R   why (in every refusal's text and in --list)
  --off        lift the kill of exactly that scope (--tenant T, or none); a
               tenant's kill is not lifted by lifting the global one
  --list       print the kills in force
  --wait D     how long to wait for running gates to apply it (default 5s); if one
               has not, it stays recorded, the gates are named and the exit code is 3`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseOptionsOnly(argv, {
    ...shared('config', 'tenant'),
    reason: STRING,
    wait: STRING,
    off: { type: 'boolean', default: false },
    list: { type: 'boolean', default: false },
  });
  if (values.list && (values.off || values.tenant !== undefined || values.reason !== undefined || values.wait !== undefined)) {
    throw new UsageError('--list takes no other option but --config');
  }
  if (values.off && values.reason !== undefined) throw new UsageError('--reason goes with a kill; --off records none');
  const tenant = values.tenant ?? null;
  return stopCommand(
    'kill',
    values.config,
    waitOption(values.wait),
    (stops) => {
      if (values.list) return Promise.resolve(printList(stops.kills(), 'no kill in force', (k) => `k${k.id}\t${describe(k)}`));
      return values.off ? off(stops, tenant) : kill(stops, tenant, values.reason ?? null);
    },
    (err) => `--${err.message}`,
  );
}

async function kill(stops: StopStore, tenant: string | null, reason: string | null): Promise<KillEntry> {
  const k = await stops.kill({ tenant, reason });
  process.stdout.write(`${describe(k)}: all traffic is refused (503 gate_killed) and open exchanges end; 'sluice kill --off${scopeFlag(tenant)}' lifts it\n`);
  return k;
}

async function off(stops: StopStore, tenant: string | null): Promise<{ id: string } | null> {
  const lifted = await stops.unkill(tenant);
  if (lifted === null) {
    const others = stops
      .kills()
      .map((k) => `; the gate is killed ${k.tenant === null ? 'for every tenant (leave out --tenant)' : `for tenant ${k.tenant} (--tenant ${k.tenant})`}`);
    process.stderr.write(
      `sluice kill: no kill in force ${tenant === null ? 'for every tenant' : `for tenant ${tenant}`}, so nothing was lifted${others.join('')}\n`,
    );
    return null;
  }
  for (const k of lifted.lifted) process.stdout.write(`lifted ${describe(k)}\n`);
  return lifted;
}

function describe(k: KillEntry): string {
  const scope = k.tenant === null ? 'every tenant' : `tenant ${k.tenant}`;
  return `kill k${k.id} of ${scope} (at ${new Date(k.at).toISOString()}${k.reason === null ? '' : `; reason: ${k.reason}`})`;
}

function scopeFlag(tenant: string | null): string {
  return tenant === null ? '' : ` --tenant ${tenant}`;
}
