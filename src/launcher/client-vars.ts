/**
 * Which environment variable makes which client use the gate, as data: each entry
 * names the clients it serves and what it holds (the proxy URL, the CA bundle, the
 * Sluice CA alone). `sluice run --print-env` prints this table's effect, and the
 * README's list is this table.
 *
 * The bundle is the system roots plus the Sluice CA: clients that *replace* their
 * roots with a file (curl, git, Python, npm's cafile, cargo) still verify anything
 * else. Node takes the Sluice CA alone, since NODE_EXTRA_CA_CERTS adds to its roots.
 */

export type VarValue = 'proxy' | 'bundle' | 'ca';

export interface ClientVar {
  name: string;
  value: VarValue;
  /** Who reads it, for --print-env and the docs. */
  clients: string;
}

export const CLIENT_VARS: readonly ClientVar[] = [
  { name: 'HTTP_PROXY', value: 'proxy', clients: 'curl, wget, Python, Go, Ruby, .NET, Node fetch, pip, uv, cargo' },
  { name: 'HTTPS_PROXY', value: 'proxy', clients: 'the same, for https URLs' },
  // curl reads only the lowercase http_proxy (the uppercase one is a CGI hazard); wget and git read lowercase.
  { name: 'http_proxy', value: 'proxy', clients: 'curl, wget, git' },
  { name: 'https_proxy', value: 'proxy', clients: 'curl, wget, git' },
  { name: 'npm_config_proxy', value: 'proxy', clients: 'npm, pnpm (over any npmrc proxy setting)' },
  { name: 'npm_config_https_proxy', value: 'proxy', clients: 'npm, pnpm' },
  // npm *replaces* its CA list with cafile, so it must be the whole bundle, never the Sluice CA alone.
  { name: 'npm_config_cafile', value: 'bundle', clients: 'npm, pnpm' },
  { name: 'YARN_HTTP_PROXY', value: 'proxy', clients: 'yarn 2+' },
  { name: 'YARN_HTTPS_PROXY', value: 'proxy', clients: 'yarn 1 and 2+' },
  { name: 'YARN_PROXY', value: 'proxy', clients: 'yarn 1' },
  { name: 'YARN_CAFILE', value: 'bundle', clients: 'yarn 1' },
  { name: 'YARN_CA_FILE_PATH', value: 'bundle', clients: 'yarn 2+' },
  { name: 'CARGO_HTTP_PROXY', value: 'proxy', clients: 'cargo (over .cargo/config)' },
  { name: 'CARGO_HTTP_CAINFO', value: 'bundle', clients: 'cargo' },
  { name: 'NODE_EXTRA_CA_CERTS', value: 'ca', clients: 'Node (added to its roots)' },
  { name: 'SSL_CERT_FILE', value: 'bundle', clients: 'OpenSSL users: Python, Ruby, .NET, Go, uv, curl (OpenSSL builds)' },
  { name: 'REQUESTS_CA_BUNDLE', value: 'bundle', clients: 'Python requests' },
  { name: 'CURL_CA_BUNDLE', value: 'bundle', clients: 'curl' },
  { name: 'GIT_SSL_CAINFO', value: 'bundle', clients: 'git' },
  { name: 'PIP_CERT', value: 'bundle', clients: 'pip' },
  { name: 'AWS_CA_BUNDLE', value: 'bundle', clients: 'AWS CLI and SDKs' },
  { name: 'DENO_CERT', value: 'bundle', clients: 'Deno' },
];

/**
 * Variables removed, matched without regard to case (npm reads its config variables
 * that way): each would let some client skip the gate or stop verifying it.
 */
export const CLEARED_VARS: ReadonlySet<string> = new Set([
  'no_proxy',
  'all_proxy',
  'npm_config_noproxy',
  'npm_config_no_proxy',
  'npm_config_strict_ssl',
  'yarn_no_proxy',
  'node_tls_reject_unauthorized',
  'git_ssl_no_verify',
  'pythonhttpsverify',
]);
