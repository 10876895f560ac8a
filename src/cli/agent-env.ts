import { fileURLToPath } from 'node:url';

/** The CA files a child process should trust. */
export interface TrustFiles {
  /** The Sluice CA alone (Node adds it to its own roots). */
  caCert: string;
  /** System roots plus the Sluice CA, for clients that replace their roots with a file. */
  bundle: string;
}

const PRELOAD = fileURLToPath(new URL('./env-proxy-preload.js', import.meta.url));

/**
 * The environment that routes a child through the gate and makes it trust the gate's
 * CA, for every common client: curl, git, Python (urllib, requests, pip), Node, AWS
 * SDKs, Deno. `NO_PROXY` is removed so nothing bypasses the gate.
 *
 * @example
 * spawn('curl', ['https://api.example.com/'], { env: agentEnv(process.env, 'http://127.0.0.1:8877', files) });
 */
export function agentEnv(base: NodeJS.ProcessEnv, proxyUrl: string, trust: TrustFiles): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const k of ['NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy']) delete env[k];
  for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) env[k] = proxyUrl;
  env.NODE_EXTRA_CA_CERTS = trust.caCert;
  env.NODE_USE_ENV_PROXY = '1';
  for (const k of ['SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'GIT_SSL_CAINFO', 'PIP_CERT', 'AWS_CA_BUNDLE', 'DENO_CERT']) {
    env[k] = trust.bundle;
  }
  // Node before 24 ignores NODE_USE_ENV_PROXY; a preload points its fetch at the proxy.
  const preload = `--import=${JSON.stringify(`file://${PRELOAD}`)}`;
  const opts = env.NODE_OPTIONS ?? '';
  if (!opts.includes(PRELOAD)) env.NODE_OPTIONS = opts ? `${opts} ${preload}` : preload;
  return env;
}
