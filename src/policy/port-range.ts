/**
 * Ports in rules: a number (`443`) or an inclusive range written as text
 * (`"8000-8100"`).
 */

export interface PortRange {
  from: number;
  to: number;
}

/**
 * Parse one port entry; throws a RangeError or TypeError with a message a person
 * can act on.
 *
 * @example
 * parsePortSpec(443);         // { from: 443, to: 443 }
 * parsePortSpec('8000-8100'); // { from: 8000, to: 8100 }
 * parsePortSpec('9-1');       // throws: range '9-1' runs backwards ...
 */
export function parsePortSpec(v: number | string): PortRange {
  if (typeof v === 'number') {
    checkPort(v, String(v));
    return { from: v, to: v };
  }
  const m = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(v);
  if (!m) throw new TypeError(`expected a port like 443 or a range like "8000-8100"; got '${v}'`);
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  checkPort(from, v);
  checkPort(to, v);
  if (to < from) throw new RangeError(`range '${v}' runs backwards; write it low-high, like "${to}-${from}"`);
  return { from, to };
}

/**
 * How a port list reads in explanations.
 *
 * @example
 * formatPorts([{ from: 443, to: 443 }, { from: 8000, to: 8100 }]); // '443, 8000-8100'
 */
export function formatPorts(ranges: readonly PortRange[]): string {
  return ranges.map((r) => (r.from === r.to ? String(r.from) : `${r.from}-${r.to}`)).join(', ');
}

function checkPort(n: number, shown: string): void {
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new RangeError(`ports are whole numbers from 1 to 65535; got '${shown}'`);
}
