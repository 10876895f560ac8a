import { fileURLToPath } from 'node:url';
import { CLEARED_VARS, CLIENT_VARS } from '../launcher/client-vars.js';

/** The CA files a child process should trust. */
export interface TrustFiles {
  /** The Sluice CA alone (Node adds it to its own roots). */
  caCert: string;
  /** System roots plus the Sluice CA, for clients that replace their roots with a file. */
  bundle: string;
  /** A wgetrc naming the bundle (wget reads no CA variable; GnuTLS builds ignore SSL_CERT_FILE). */
  wgetrc?: string;
  /** A PKCS#12 trust store (password 'changeit') of the JDK's roots plus the Sluice CA. */
  javaTrustStore?: string;
}

const PRELOAD = fileURLToPath(new URL('./env-proxy-preload.js', import.meta.url));

/**
 * What the AWS SDKs and CLI sign with under `sluice run`: placeholders, recognisable and
 * shaped like no real key (DLP refuses AKIA.../ASIA... ids), which the gate re-signs for
 * an aws_sigv4 rule (credentials/forms/aws-sigv4.ts). Never the operator's own keys.
 */
export const AWS_PLACEHOLDERS: Readonly<Record<string, string>> = {
  AWS_ACCESS_KEY_ID: 'SLUICE-PLACEHOLDER-KEY-ID',
  AWS_SECRET_ACCESS_KEY: 'sluice-placeholder-secret-key',
};
/** The session token would pair with the operator's keys; a profile would make the SDKs skip the variables above. */
const AWS_CLEARED = ['AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE'];

/** Operator-side variables no agent should inherit, whatever the config says. */
const OPERATOR_VARS = ['SLUICE_MASTER_KEY', 'SLUICE_CONFIG'];

/**
 * The environment that routes a child through the gate and makes it trust the gate's
 * CA, for every common client (the table in launcher/client-vars.ts, plus git's
 * config, wget's rc file, the JVM's options and a Node preload). Variables that
 * bypass the gate (`NO_PROXY`, ...) are removed, and so are the operator's secrets:
 * `SLUICE_MASTER_KEY` and every variable named in `strip` (the config's `env:` refs).
 *
 * @example
 * spawn('curl', ['https://api.example.com/'], { env: agentEnv(process.env, 'http://127.0.0.1:8877', files) });
 */
export function agentEnv(base: NodeJS.ProcessEnv, proxyUrl: string, trust: TrustFiles, strip: readonly string[] = []): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const drop = new Set([...OPERATOR_VARS, ...strip]);
  for (const [k, v] of Object.entries(base)) {
    if (!drop.has(k) && !CLEARED_VARS.has(k.toLowerCase())) env[k] = v;
  }
  const values = { proxy: proxyUrl, bundle: trust.bundle, ca: trust.caCert };
  for (const v of CLIENT_VARS) env[v.name] = values[v.value];
  env.NODE_USE_ENV_PROXY = '1';
  for (const v of AWS_CLEARED) delete env[v];
  Object.assign(env, AWS_PLACEHOLDERS);
  // An http.proxy in the user's gitconfig beats the variables; GIT_CONFIG_* beats the files.
  const n = Number(env.GIT_CONFIG_COUNT ?? '0');
  const at = Number.isInteger(n) && n >= 0 ? n : 0;
  env[`GIT_CONFIG_KEY_${at}`] = 'http.proxy';
  env[`GIT_CONFIG_VALUE_${at}`] = proxyUrl;
  env.GIT_CONFIG_COUNT = String(at + 1);
  // git (libcurl's anyauth) first sends CONNECT without the proxy URL's credentials and
  // waits for a 407: one refused request, and one audit record, per git operation.
  env.GIT_HTTP_PROXY_AUTHMETHOD = 'basic';
  if (trust.wgetrc) env.WGETRC = trust.wgetrc;
  if (trust.javaTrustStore) env.JAVA_TOOL_OPTIONS = joinOpts(env.JAVA_TOOL_OPTIONS, javaOptions(proxyUrl, trust.javaTrustStore));
  // Node before 24 ignores NODE_USE_ENV_PROXY, and Node 20's http/https modules ignore
  // every proxy variable; the preload points fetch and the global agents at the proxy.
  const preload = `--import=${JSON.stringify(`file://${PRELOAD}`)}`;
  if (!(env.NODE_OPTIONS ?? '').includes(PRELOAD)) env.NODE_OPTIONS = joinOpts(env.NODE_OPTIONS, preload);
  return env;
}

/**
 * The JVM reads no proxy variable: system properties name the gate and the trust store.
 * The token stays out (the JVM echoes JAVA_TOOL_OPTIONS on stderr, and its built-in
 * clients take proxy credentials only from an Authenticator); Basic is re-enabled for
 * CONNECT so an application's Authenticator can answer the gate's 407.
 */
function javaOptions(proxyUrl: string, trustStore: string): string {
  const u = new URL(proxyUrl);
  const port = u.port || '80';
  return [
    `-Djavax.net.ssl.trustStore=${trustStore}`,
    '-Djavax.net.ssl.trustStorePassword=changeit',
    '-Djavax.net.ssl.trustStoreType=PKCS12',
    `-Dhttp.proxyHost=${u.hostname}`,
    `-Dhttp.proxyPort=${port}`,
    `-Dhttps.proxyHost=${u.hostname}`,
    `-Dhttps.proxyPort=${port}`,
    '-Dhttp.nonProxyHosts=',
    '-Djdk.http.auth.tunneling.disabledSchemes=',
  ].join(' ');
}

function joinOpts(a: string | undefined, b: string): string {
  return a ? `${a} ${b}` : b;
}
