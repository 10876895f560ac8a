/**
 * Bounded label values for Prometheus families. Tenant names, rule ids and pattern ids
 * are operator-defined, so bounded in practice, but a metric must stay bounded even
 * when a config is not (a generated policy with ten thousand rules, a tenant per
 * customer): each label keeps the first `max` distinct values it sees and counts the
 * rest as `other`. Nothing per session, token, URL or host is ever a label value.
 */

/** Distinct values a label keeps before it says `other`. */
export const LABEL_CAP_DEFAULT = 100;

/** The value a label takes once its cap is reached. */
export const OTHER = 'other';
/** The value for an absent one (no tenant before identification, no rule on a no-match). */
export const NONE = 'none';

/**
 * @example
 * const tenants = new LabelCap(100);
 * tenants.of('acme'); // 'acme'
 * tenants.of(null);   // 'none'
 * // ...after 100 distinct tenants: tenants.of('new-one') === 'other'
 */
export class LabelCap {
  readonly #seen = new Set<string>();
  constructor(readonly max: number) {}

  of(value: string | null | undefined): string {
    if (value === null || value === undefined || value === '') return NONE;
    if (this.#seen.has(value)) return value;
    if (this.#seen.size >= this.max) return OTHER;
    // Label values longer than this are not names an operator chose.
    if (value.length > 128) return OTHER;
    this.#seen.add(value);
    return value;
  }

  get size(): number {
    return this.#seen.size;
  }
}
