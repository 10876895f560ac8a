/**
 * The special-purpose address table, as data so it can be reviewed line by line.
 *
 * Sources: the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890)
 * plus the multicast, reserved and cloud-metadata ranges that are not in them.
 * Classification is longest-prefix match over this table, so a /32 entry (an
 * exception or a more precise label) wins over the /8 around it and the order
 * of rows does not matter. `global: false` means blocked unless the operator
 * opts in with `allowPrivate`.
 *
 * Where this table is stricter than IANA, the row says so: for an egress gate a
 * range with no legitimate public destination is better blocked than debated.
 */

/** How an IPv6 range embeds an IPv4 address, so it can be reported. */
export type Embedding = 'mapped' | 'compatible' | 'nat64' | '6to4' | 'teredo';

export interface SpecialRange {
  cidr: string;
  /** Short, stable reason used in SSRF errors and the audit trail. */
  label: string;
  global: boolean;
  /** Where the range is defined; kept next to the data for review. */
  source: string;
  embeds?: Embedding;
}

export const IPV4_SPECIAL_RANGES: readonly SpecialRange[] = [
  { cidr: '0.0.0.0/0', label: 'global', global: true, source: 'default: everything not listed below' },
  { cidr: '0.0.0.0/8', label: 'this-network', global: false, source: 'RFC 791, RFC 1122 3.2.1.3' },
  { cidr: '0.0.0.0/32', label: 'unspecified', global: false, source: 'RFC 1122 3.2.1.3 (this host)' },
  { cidr: '10.0.0.0/8', label: 'private-use', global: false, source: 'RFC 1918' },
  { cidr: '100.64.0.0/10', label: 'shared-address-space', global: false, source: 'RFC 6598 (carrier-grade NAT)' },
  // Alibaba Cloud instance metadata lives inside the CGNAT block.
  { cidr: '100.100.100.200/32', label: 'metadata', global: false, source: 'Alibaba Cloud ECS metadata' },
  { cidr: '127.0.0.0/8', label: 'loopback', global: false, source: 'RFC 1122 3.2.1.3' },
  { cidr: '169.254.0.0/16', label: 'link-local', global: false, source: 'RFC 3927' },
  // AWS, GCP, Azure, OpenStack, DigitalOcean ... instance metadata.
  { cidr: '169.254.169.254/32', label: 'metadata', global: false, source: 'cloud instance metadata service' },
  { cidr: '169.254.170.2/32', label: 'metadata', global: false, source: 'AWS ECS task metadata / credentials' },
  { cidr: '169.254.170.23/32', label: 'metadata', global: false, source: 'AWS EKS Pod Identity agent' },
  { cidr: '172.16.0.0/12', label: 'private-use', global: false, source: 'RFC 1918' },
  { cidr: '192.0.0.0/24', label: 'ietf-protocol-assignments', global: false, source: 'RFC 6890 2.2.2' },
  { cidr: '192.0.0.9/32', label: 'global', global: true, source: 'RFC 7723 (PCP anycast; IANA: globally reachable)' },
  { cidr: '192.0.0.10/32', label: 'global', global: true, source: 'RFC 8155 (TURN anycast; IANA: globally reachable)' },
  // Oracle Cloud metadata; already blocked by the /24, labelled for the audit trail.
  { cidr: '192.0.0.192/32', label: 'metadata', global: false, source: 'Oracle Cloud instance metadata' },
  { cidr: '192.0.2.0/24', label: 'documentation', global: false, source: 'RFC 5737 (TEST-NET-1)' },
  { cidr: '192.88.99.0/24', label: '6to4-relay', global: false, source: 'RFC 7526 (deprecated 6to4 relay anycast)' },
  { cidr: '192.168.0.0/16', label: 'private-use', global: false, source: 'RFC 1918' },
  { cidr: '198.18.0.0/15', label: 'benchmarking', global: false, source: 'RFC 2544' },
  { cidr: '198.51.100.0/24', label: 'documentation', global: false, source: 'RFC 5737 (TEST-NET-2)' },
  { cidr: '203.0.113.0/24', label: 'documentation', global: false, source: 'RFC 5737 (TEST-NET-3)' },
  { cidr: '224.0.0.0/4', label: 'multicast', global: false, source: 'RFC 5771' },
  { cidr: '240.0.0.0/4', label: 'reserved', global: false, source: 'RFC 1112 4' },
  { cidr: '255.255.255.255/32', label: 'broadcast', global: false, source: 'RFC 919, RFC 8190' },
];

export const IPV6_SPECIAL_RANGES: readonly SpecialRange[] = [
  // Only 2000::/3 is allocated for global unicast (RFC 4291 2.4); the rest is not.
  { cidr: '::/0', label: 'reserved', global: false, source: 'RFC 4291 2.4 (outside global unicast)' },
  { cidr: '2000::/3', label: 'global', global: true, source: 'RFC 4291 2.4 (global unicast)' },
  { cidr: '::/128', label: 'unspecified', global: false, source: 'RFC 4291 2.5.2' },
  { cidr: '::1/128', label: 'loopback', global: false, source: 'RFC 4291 2.5.3' },
  { cidr: '::/96', label: 'ipv4-compatible', global: false, source: 'RFC 4291 2.5.5.1 (deprecated)', embeds: 'compatible' },
  // Global only if the embedded IPv4 is; address-class.ts decides that.
  { cidr: '::ffff:0:0/96', label: 'ipv4-mapped', global: false, source: 'RFC 4291 2.5.5.2', embeds: 'mapped' },
  { cidr: '64:ff9b::/96', label: 'nat64', global: false, source: 'RFC 6052 (stricter than IANA)', embeds: 'nat64' },
  { cidr: '64:ff9b:1::/48', label: 'nat64', global: false, source: 'RFC 8215 (local-use NAT64)' },
  { cidr: '100::/64', label: 'discard', global: false, source: 'RFC 6666' },
  { cidr: '100:0:0:1::/64', label: 'dummy', global: false, source: 'RFC 9780' },
  { cidr: '2001::/23', label: 'ietf-protocol-assignments', global: false, source: 'RFC 2928' },
  { cidr: '2001::/32', label: 'teredo', global: false, source: 'RFC 4380 (stricter than IANA)', embeds: 'teredo' },
  { cidr: '2001:1::1/128', label: 'global', global: true, source: 'RFC 7723 (PCP anycast)' },
  { cidr: '2001:1::2/128', label: 'global', global: true, source: 'RFC 8155 (TURN anycast)' },
  { cidr: '2001:1::3/128', label: 'global', global: true, source: 'RFC 9665 (DNS-SD SRP anycast)' },
  { cidr: '2001:2::/48', label: 'benchmarking', global: false, source: 'RFC 5180' },
  { cidr: '2001:3::/32', label: 'global', global: true, source: 'RFC 7450 (AMT)' },
  { cidr: '2001:4:112::/48', label: 'global', global: true, source: 'RFC 7535 (AS112-v6)' },
  { cidr: '2001:10::/28', label: 'orchid', global: false, source: 'RFC 4843 (deprecated ORCHID)' },
  { cidr: '2001:20::/28', label: 'orchid', global: false, source: 'RFC 7343 (ORCHIDv2; stricter than IANA)' },
  { cidr: '2001:30::/28', label: 'global', global: true, source: 'RFC 9374 (DRIP entity tags)' },
  { cidr: '2001:db8::/32', label: 'documentation', global: false, source: 'RFC 3849' },
  { cidr: '2002::/16', label: '6to4', global: false, source: 'RFC 3056 (stricter than IANA)', embeds: '6to4' },
  { cidr: '3fff::/20', label: 'documentation', global: false, source: 'RFC 9637' },
  { cidr: '5f00::/16', label: 'srv6-sid', global: false, source: 'RFC 9602' },
  { cidr: 'fc00::/7', label: 'unique-local', global: false, source: 'RFC 4193' },
  { cidr: 'fd00:ec2::23/128', label: 'metadata', global: false, source: 'AWS EKS Pod Identity agent (IPv6)' },
  { cidr: 'fd00:ec2::254/128', label: 'metadata', global: false, source: 'AWS instance metadata (IPv6)' },
  { cidr: 'fe80::/10', label: 'link-local', global: false, source: 'RFC 4291 2.5.6' },
  { cidr: 'fec0::/10', label: 'site-local', global: false, source: 'RFC 3879 (deprecated)' },
  { cidr: 'ff00::/8', label: 'multicast', global: false, source: 'RFC 4291 2.7' },
];
