import { Registry } from 'prom-client';

/**
 * The registry every metric family of the gate is in (one per process), served at
 * `/metrics` through `renderMetrics` (metrics.ts).
 *
 * @example
 * new Counter({ name: 'sluice_x_total', help: '...', registers: [registry] });
 */
export const registry = new Registry();
