/**
 * Config text shipped with Sluice: the starter file `sluice init` writes, and
 * the example the README documents. Both are tested to parse.
 */

/**
 * The commented config `sluice init` writes: deny by default (no rules),
 * listening on loopback, every optional section shown commented out with its
 * default.
 *
 * @example
 * await writeFile('sluice.yaml', starterConfig(), { flag: 'wx' });
 */
export function starterConfig(): string {
  return STARTER;
}

const STARTER = `# Sluice configuration.
#
# Sluice is deny by default: a request goes through only if a rule below
# allows it. Durations are written like 500ms, 30s, 5m or 1h. Relative paths
# are resolved against this file's folder.

version: 1

# Where agents send their traffic (an HTTP proxy that also accepts CONNECT).
# Keep it on loopback unless the agents run on other machines.
listen: 127.0.0.1:8877

# Folder for Sluice's own files, such as the interception CA.
# data_dir: .

# dns:
#   # Fixed answers for names, like /etc/hosts but for Sluice only.
#   hosts:
#     api.internal.test: 10.0.0.5
#   cache_ttl: 30s

# network:
#   # Private, loopback and link-local addresses are refused unless listed
#   # here, so an allowed name cannot be pointed at your internal network.
#   allow_private: [10.0.0.5/32]

# tls:
#   # Sluice reads HTTPS by acting as a CA the agents trust.
#   ca_cert: ca.pem              # default: <data_dir>/ca.pem
#   ca_key: ca-key.pem           # default: <data_dir>/ca-key.pem
#   upstream_ca: upstream-ca.pem # extra CAs to trust when talking to upstreams
#   passthrough: ["*.bank.example"]  # tunnelled as is, never intercepted
#   leaf_cache_size: 1000

# timeouts:
#   idle: 60s               # an idle client connection is closed
#   headers: 30s            # to receive a whole request head
#   tls_handshake: 10s      # for the agent's TLS handshake after CONNECT
#   upstream_connect: 10s
#   upstream_response: 60s  # until the upstream sends response headers

# limits:
#   max_header_bytes: 32768

log:
  level: info   # fatal, error, warn, info, debug, trace or silent
  # file: sluice.log   # default: standard error
  # format: pretty      # json (default), or pretty: one short line per event, for a terminal
  # audit: true         # an audit line per request in the log too; default: only in a log file (audit.db has every record; 'sluice audit tail -f')

# Rules, checked in order; the first that matches decides. A request no rule
# matches is denied. Hosts are exact names, wildcards like "*.example.com"
# (subdomains only, not example.com itself), or IP addresses.
rules:
  # - id: github-api
  #   hosts: [api.github.com]
`;

/**
 * The example config the README documents, exactly as printed there.
 *
 * @example
 * parseConfig(exampleConfig, '/tmp/sluice.yaml').config.rules[0]?.id; // 'upstream'
 */
export const exampleConfig = `version: 1
listen: 127.0.0.1:8877
dns:
  hosts:
    api.upstream.test: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
tls:
  upstream_ca: ./upstream-ca.pem
rules:
  - id: upstream
    hosts: [api.upstream.test]
`;
