/**
 * Hostname exfiltration: data smuggled in DNS labels (`<hex>.attacker.example`), which
 * leaks at DNS lookup time, so this runs before any resolution. Checks, on the labels
 * below the registrable domain:
 *  - secret patterns and known secrets in each label, all labels joined, and their
 *    hex / base32 / base64url decodings (via the caller's matcher);
 *  - labels that decode to readable text (hex, base32, base64url);
 *  - long high-entropy labels and long hex runs, hex chunked across labels;
 *  - credential prefixes split over labels (`ghp-xxxx.yyyy...`);
 *  - too many labels or an overlong name.
 * Parents whose labels are random by design (CDNs, storage, tunnels) skip the
 * heuristics but not the patterns.
 *
 * @example
 * scanHostname('7365637265745f6b6579.exfil.example.com')
 * // [{ type: 'hostname_encoded_data', location: 'host', action: 'block', encoding: 'hex' }]
 */
import type { Finding, FindingAction } from '../finding.js';
import { charClassCount, printableRatio, shannonEntropy } from './validators/entropy.js';
import { isBenignCarrierSuffix, registrableLabelCount } from './hostname-suffixes.js';
import { base32Decode } from './validators/base32.js';

/** Scans a byte string at location 'host' (patterns + known secrets + decoders). */
export type HostMatcher = (text: string) => Finding[];

const MAX_CARRIER_LABELS = 7;
const MAX_HOST_LENGTH = 160;
const CREDENTIAL_PREFIXES = [
  'ghp_',
  'gho_',
  'ghu_',
  'ghs_',
  'ghr_',
  'github_pat_',
  'glpat_',
  'xoxb_',
  'xoxp_',
  'xapp_',
  'sk_ant_',
  'sk_proj_',
  'sk_live_',
  'rk_live_',
  'akia',
  'asia',
  'hf_',
  'npm_',
  'pypi_',
  'gsk_',
  'hvs_',
  'dop_v1_',
  'aiza',
];

export function scanHostname(rawHost: string, match?: HostMatcher, actions: Readonly<Record<string, FindingAction>> = {}): Finding[] {
  const host = normalizeHost(rawHost);
  if (host === undefined) return [];
  const labels = host.split('.');
  const carriers = labels.slice(0, labels.length - registrableLabelCount(labels)).filter((l) => l.length > 0);
  const out: Finding[] = [];
  const seen = new Set<string>();
  const add = (type: string, encoding?: string, detail?: string): void => {
    const f: Finding = { type, location: 'host', action: actions[type] ?? 'block' };
    if (encoding !== undefined) f.encoding = encoding;
    if (detail !== undefined) f.detail = detail;
    push(f);
  };
  const push = (f: Finding): void => {
    const key = `${f.type}|${f.encoding ?? ''}|${f.detail ?? ''}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(f);
    }
  };
  if (carriers.length === 0) return out;
  const joined = carriers.join('');

  if (match !== undefined) {
    const texts = new Set<string>([...carriers, joined, joined.replace(/-/g, '_'), host]);
    for (const t of [...texts]) if (/[a-z]/.test(t) && !/[A-Z]/.test(t)) texts.add(t.toUpperCase());
    for (const t of texts) for (const f of match(t)) push(f);
    for (const [decoded, enc] of decodings(carriers, joined)) {
      for (const f of match(decoded)) push({ ...f, encoding: f.encoding === undefined ? enc : `${enc}+${f.encoding}` });
    }
  }

  const underscored = joined.toLowerCase().replace(/-/g, '_');
  if (joined.length >= 20 && CREDENTIAL_PREFIXES.some((p) => underscored.startsWith(p)))
    add('hostname_secret_prefix', undefined, 'labels start with a credential prefix');
  if (carriers.length > MAX_CARRIER_LABELS) add('hostname_label_count', undefined, `${carriers.length} labels below the registrable domain`);
  if (host.length > MAX_HOST_LENGTH) add('hostname_length', undefined, `${host.length} characters`);
  if (isBenignCarrierSuffix(host)) return out;

  for (const [decoded, enc] of decodings(carriers, joined)) {
    if (decoded.length >= 6 && printableRatio(decoded) >= (enc === 'base32' ? 0.6 : 0.8)) add('hostname_encoded_data', enc, 'labels decode to readable text');
  }
  const hexLabels = carriers.filter((l) => l.length >= 6 && /^[0-9a-f]+$/i.test(l) && /[0-9]/.test(l) && /[a-f]/i.test(l));
  if (hexLabels.length >= 2 && hexLabels.join('').length >= 32) add('hostname_entropy', 'hex', 'hex data chunked across labels');
  for (const l of carriers) {
    if (l.startsWith('xn--')) continue;
    const core = l.replace(/-/g, '');
    if (/[0-9a-f]{24,}/i.test(l) && /[0-9]/.test(l)) add('hostname_entropy', 'hex', 'long hex run in a label');
    else if (core.length >= 20 && charClassCount(core) >= 2 && /[0-9]/.test(core) && shannonEntropy(core) >= 3.6)
      add('hostname_entropy', undefined, 'long high-entropy label');
  }
  return out;
}

/** Lower-level decodings of carrier labels: hex, base32, base64url (label-wise and joined). */
function decodings(carriers: readonly string[], joined: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const hexParts = carriers.filter((l) => l.length >= 8 && l.length % 2 === 0 && /^[0-9a-f]+$/i.test(l));
  for (const l of hexParts) out.push([Buffer.from(l, 'hex').toString('latin1'), 'hex']);
  if (hexParts.length >= 2) out.push([Buffer.from(hexParts.join(''), 'hex').toString('latin1'), 'hex']);
  for (const l of [...carriers, joined]) {
    if (l.length >= 16 && /^[a-z2-7]+=*$/i.test(l) && (l.match(/[2-7]/g) ?? []).length >= 2 && /[a-z]{4}/i.test(l)) {
      const d = base32Decode(l);
      if (d !== undefined) out.push([d, 'base32']);
    }
    if (l.length >= 16 && /^[A-Za-z0-9_-]+$/.test(l) && /[A-Z]/.test(l) && /[a-z]/.test(l) && !/^[0-9a-f]+$/i.test(l)) {
      out.push([Buffer.from(l, 'base64url').toString('latin1'), 'base64url']);
    }
  }
  return out;
}

/** Host without port, brackets or trailing dot; undefined for IP literals and junk. */
export function normalizeHost(raw: string): string | undefined {
  let h = raw.trim();
  if (h.startsWith('[')) return undefined; // IPv6 literal
  const colon = h.lastIndexOf(':');
  if (colon >= 0 && /^\d+$/.test(h.slice(colon + 1))) h = h.slice(0, colon);
  if (h.includes(':')) return undefined;
  if (h.endsWith('.')) h = h.slice(0, -1);
  if (h.length === 0 || h.length > 1024) return h.length === 0 ? undefined : h.slice(0, 1024);
  if (/^[0-9.]+$/.test(h) || /^0x[0-9a-f.x]+$/i.test(h)) return undefined; // IPv4 forms
  return h;
}
