/**
 * Path rules for MCP chain detection: which file locations hold credentials,
 * which are persistence points (run again at login, boot or on a timer), and
 * which directories are system or account roots whose listing is
 * reconnaissance. Rules are data with a short label; the label is what an
 * explanation shows, never the path itself.
 *
 * Matching is on a normalised form: backslashes as slashes, `$HOME` as `~`,
 * `.` and `..` resolved, lower case. Rules look at path segments, so
 * `~/.ssh/id_rsa`, `/home/u/.ssh/id_rsa` and `C:\Users\u\.ssh\id_rsa` agree.
 *
 * @example
 * sensitivePathRule('/home/user/.ssh/id_rsa')  // 'ssh key or config'
 * sensitivePathRule('.env.example')            // undefined
 * persistencePathRule('/var/spool/cron/crontabs/user') // 'cron table'
 */

/** A path split for rule matching. */
export interface PathView {
  /** Normalised, lower case, forward slashes; relative paths stay relative. */
  lower: string;
  segments: string[];
  base: string;
}

/**
 * Normalises a path-like string: strips a `file://` scheme and quotes, turns
 * backslashes into slashes, `$HOME`/`${HOME}` into `~`, resolves `.` and `..`.
 * Case is kept (paths are compared for equality elsewhere); `viewPath` lowers it.
 *
 * @example
 * normaliseLoosePath('file:///tmp/../tmp/./x.sh') // '/tmp/x.sh'
 * normaliseLoosePath('${HOME}/.aws/credentials')   // '~/.aws/credentials'
 */
export function normaliseLoosePath(raw: string): string {
  let p = raw.trim().replace(/^['"]|['"]$/g, '');
  if (/^file:\/\//i.test(p)) p = p.slice(7);
  p = p.replace(/\\/g, '/').replace(/^(\$HOME|\$\{HOME\})(?=\/|$)/, '~');
  const absolute = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop();
    else out.push(part);
  }
  const joined = out.join('/');
  return absolute ? `/${joined}` : joined;
}

/**
 * The rule-matching view of a path.
 *
 * @example
 * viewPath('C:\\Users\\Me\\.SSH\\id_rsa').segments // ['c:', 'users', 'me', '.ssh', 'id_rsa']
 */
export function viewPath(raw: string): PathView {
  const lower = normaliseLoosePath(raw).toLowerCase();
  const segments = lower.split('/').filter((s) => s !== '');
  return { lower, segments, base: segments[segments.length - 1] ?? '' };
}

interface PathRule {
  label: string;
  test: (p: PathView) => boolean;
}

const has = (p: PathView, seg: string): boolean => p.segments.includes(seg);
const follows = (p: PathView, a: string, b: string): boolean => p.segments.some((s, i) => s === a && p.segments[i + 1] === b);
const under = (p: PathView, prefix: string): boolean => p.lower === prefix || p.lower.startsWith(`${prefix}/`);

const ENV_TEMPLATE = /^\.env\.(example|sample|template|dist|defaults?|schema)$/;
const CREDENTIAL_FILES = new Set([
  '.netrc',
  '_netrc',
  '.npmrc',
  '.pypirc',
  '.git-credentials',
  '.vault-token',
  '.pgpass',
  '.my.cnf',
  '.htpasswd',
  '.s3cfg',
  '.boto',
  'credentials',
  'credentials.json',
  'credentials.yaml',
  'credentials.yml',
  'secrets.json',
  'secrets.yaml',
  'secrets.yml',
  'secrets.toml',
  'terraform.tfstate',
  'terraform.tfstate.backup',
  'application_default_credentials.json',
]);
const KEY_EXTENSIONS = /\.(key|p12|pfx|jks|keystore|ppk|kdbx)$/;
const HISTORY_FILES = new Set(['.bash_history', '.zsh_history', '.sh_history', '.history', '.python_history', '.psql_history', '.mysql_history']);

const SENSITIVE: readonly PathRule[] = [
  {
    label: 'ssh key or config',
    test: (p) =>
      /^id_(rsa|dsa|ecdsa|ed25519)(_sk)?$/.test(p.base) ||
      (has(p, '.ssh') && !p.base.endsWith('.pub') && p.base !== 'known_hosts' && p.base !== 'known_hosts.old'),
  },
  { label: 'dotenv file', test: (p) => p.base === '.env' || (/^\.env\.[\w.-]+$/.test(p.base) && !ENV_TEMPLATE.test(p.base)) || /^[\w-]+\.env$/.test(p.base) },
  {
    label: 'cloud credentials',
    test: (p) =>
      has(p, '.aws') ||
      has(p, '.azure') ||
      has(p, '.oci') ||
      follows(p, '.config', 'gcloud') ||
      follows(p, '.kube', 'config') ||
      follows(p, '.docker', 'config.json'),
  },
  { label: 'credential file', test: (p) => CREDENTIAL_FILES.has(p.base) },
  {
    label: 'private key material',
    test: (p) =>
      KEY_EXTENSIONS.test(p.base) ||
      (/\.pem$/.test(p.base) && /key|priv/.test(p.base)) ||
      has(p, '.gnupg') ||
      has(p, '.password-store') ||
      under(p, '/etc/ssl/private'),
  },
  {
    label: 'system secret store',
    test: (p) =>
      ['/etc/shadow', '/etc/gshadow', '/etc/master.passwd', '/etc/sudoers'].some((x) => under(p, x)) ||
      under(p, '/etc/sudoers.d') ||
      under(p, '/var/run/secrets') ||
      under(p, '/run/secrets') ||
      (p.segments[0] === 'proc' && p.base === 'environ'),
  },
  { label: 'shell history', test: (p) => HISTORY_FILES.has(p.base) },
];

const SHELL_RC = new Set([
  '.bashrc',
  '.bash_profile',
  '.bash_login',
  '.bash_logout',
  '.profile',
  '.zshrc',
  '.zprofile',
  '.zshenv',
  '.zlogin',
  '.cshrc',
  '.tcshrc',
  'microsoft.powershell_profile.ps1',
]);

const PERSISTENCE: readonly PathRule[] = [
  {
    label: 'cron table',
    test: (p) =>
      under(p, '/var/spool/cron') ||
      under(p, '/etc/crontab') ||
      /^\/etc\/cron\.(d|hourly|daily|weekly|monthly)(\/|$)/.test(p.lower) ||
      under(p, '/usr/lib/cron/tabs') ||
      under(p, '/var/at/tabs'),
  },
  {
    label: 'systemd unit',
    test: (p) => under(p, '/etc/systemd') || under(p, '/lib/systemd') || under(p, '/usr/lib/systemd') || follows(p, '.config', 'systemd'),
  },
  { label: 'init script', test: (p) => under(p, '/etc/init.d') || under(p, '/etc/rc.local') || under(p, '/etc/rc.d') || under(p, '/etc/ld.so.preload') },
  { label: 'launch agent', test: (p) => follows(p, 'library', 'launchagents') || follows(p, 'library', 'launchdaemons') },
  {
    label: 'shell startup file',
    test: (p) =>
      SHELL_RC.has(p.base) ||
      under(p, '/etc/profile') ||
      under(p, '/etc/profile.d') ||
      under(p, '/etc/bash.bashrc') ||
      under(p, '/etc/zsh') ||
      (follows(p, '.config', 'fish') && p.base === 'config.fish'),
  },
  {
    label: 'autostart entry',
    test: (p) => follows(p, '.config', 'autostart') || under(p, '/etc/xdg/autostart') || (has(p, 'start menu') && has(p, 'startup')),
  },
  { label: 'ssh authorized keys', test: (p) => has(p, '.ssh') && /^authorized_keys2?$/.test(p.base) },
];

const SYSTEM_ROOTS = new Set(['/', '/home', '/root', '/users', '/etc', '/proc', '/var', 'c:/users', 'c:']);
const ACCOUNT_FILES = new Set(['/etc/passwd', '/etc/group']);

function firstLabel(rules: readonly PathRule[], raw: string): string | undefined {
  if (raw === '' || raw.length > 4096 || raw.includes('\0')) return undefined;
  const p = viewPath(raw);
  return rules.find((r) => r.test(p))?.label;
}

/**
 * The label of the credential-location rule a path matches, or undefined.
 *
 * @example
 * sensitivePathRule('~/.aws/credentials') // 'cloud credentials'
 */
export function sensitivePathRule(raw: string): string | undefined {
  return firstLabel(SENSITIVE, raw);
}

/**
 * The label of the persistence-location rule a path matches, or undefined.
 *
 * @example
 * persistencePathRule('/home/u/.bashrc') // 'shell startup file'
 */
export function persistencePathRule(raw: string): string | undefined {
  return firstLabel(PERSISTENCE, raw);
}

/**
 * Why looking at this path is reconnaissance: a system or account root
 * ('system directory'), the account list ('account list'), or a credential
 * location (its sensitive rule label); undefined for ordinary paths.
 *
 * @example
 * reconPathRule('/home')            // 'system directory'
 * reconPathRule('/home/u/.ssh')     // 'ssh key or config'
 * reconPathRule('/home/u/project')  // undefined
 */
export function reconPathRule(raw: string): string | undefined {
  if (raw === '' || raw.length > 4096) return undefined;
  const p = viewPath(raw);
  if (SYSTEM_ROOTS.has(p.lower)) return 'system directory';
  if (ACCOUNT_FILES.has(p.lower)) return 'account list';
  return sensitivePathRule(raw);
}

/**
 * True for a path that names the account list (/etc/passwd, /etc/group): reading it is reconnaissance.
 *
 * @example
 * isAccountList('/etc/passwd') // true
 */
export function isAccountList(raw: string): boolean {
  return ACCOUNT_FILES.has(viewPath(raw).lower);
}
