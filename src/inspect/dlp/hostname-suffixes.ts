/**
 * Parent domains whose subdomain labels are random by design (CDN distributions,
 * storage accounts, function URLs, preview deployments, IP-in-name services, IPFS
 * gateways). Under these, the entropy and encoded-data heuristics stay quiet; secret
 * patterns and known secrets still apply.
 *
 * @example
 * isBenignCarrierSuffix('d111111abcdef8.cloudfront.net') // true
 */
export const BENIGN_CARRIER_SUFFIXES: readonly string[] = [
  'cloudfront.net',
  'amazonaws.com',
  'on.aws',
  'awsapprunner.com',
  'amplifyapp.com',
  'r2.cloudflarestorage.com',
  'r2.dev',
  'workers.dev',
  'pages.dev',
  'cloudflare.net',
  'googleusercontent.com',
  'googlevideo.com',
  'gvt1.com',
  'ggpht.com',
  'appspot.com',
  'run.app',
  'cloudfunctions.net',
  'firebaseio.com',
  'firebaseapp.com',
  'web.app',
  'googleapis.com',
  'azurewebsites.net',
  'azureedge.net',
  'core.windows.net',
  'azurefd.net',
  'trafficmanager.net',
  'azurecontainer.io',
  'azure-api.net',
  'cloudapp.net',
  'azurestaticapps.net',
  'akamaihd.net',
  'akamaiedge.net',
  'akamaitechnologies.com',
  'akamaized.net',
  'edgekey.net',
  'edgesuite.net',
  'fastly.net',
  'fastlylb.net',
  'vercel.app',
  'now.sh',
  'netlify.app',
  'herokuapp.com',
  'herokudns.com',
  'fly.dev',
  'onrender.com',
  'railway.app',
  'supabase.co',
  'ngrok.io',
  'ngrok-free.app',
  'ngrok.app',
  'nip.io',
  'sslip.io',
  'xip.io',
  'ipfs.dweb.link',
  'ipfs.w3s.link',
  'ipfs.cf-ipfs.com',
  'ipfs.io',
  'githubusercontent.com',
  'github.io',
  'gitlab.io',
  'digitaloceanspaces.com',
  'ondigitalocean.app',
];

export function isBenignCarrierSuffix(host: string): boolean {
  const h = host.toLowerCase();
  return BENIGN_CARRIER_SUFFIXES.some((s) => h === s || h.endsWith(`.${s}`));
}

const SECOND_LEVEL = new Set(['co', 'com', 'net', 'org', 'gov', 'ac', 'edu', 'ne', 'or', 'go', 'gob', 'mil', 'ltd', 'plc']);

/** Labels of the registrable domain (2, or 3 under ccTLD second levels like co.uk). */
export function registrableLabelCount(labels: readonly string[]): number {
  const n = labels.length;
  const tld = labels[n - 1] ?? '';
  const sld = (labels[n - 2] ?? '').toLowerCase();
  return n >= 3 && tld.length === 2 && SECOND_LEVEL.has(sld) ? 3 : Math.min(2, n);
}
