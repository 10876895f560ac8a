/**
 * Cloud provider credentials: AWS, Google Cloud, Azure, Alibaba, DigitalOcean, Heroku,
 * Fly.io, Cloudflare, Databricks, Supabase, PlanetScale.
 *
 * @example
 * import { cloudPatterns } from './cloud.js';
 * cloudPatterns.find((p) => p.id === 'aws_access_key_id')?.regex.test('AKIA' + 'Z'.repeat(16)) // true
 */
import type { PatternSpec } from '../pattern-spec.js';
import { charClassCount } from '../validators/entropy.js';
import { isPlaceholder } from '../validators/placeholder.js';

const secretValue = (m: RegExpExecArray): boolean => {
  const v = m[1] ?? '';
  return charClassCount(v) >= 3 && !isPlaceholder(v);
};

export const cloudPatterns: PatternSpec[] = [
  {
    id: 'aws_access_key_id',
    description: 'AWS access key id (long-term AKIA, temporary ASIA)',
    keywords: ['akia', 'asia', 'abia', 'acca', 'a3t'],
    regex: /(?<![A-Za-z0-9])((?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16})(?![A-Za-z0-9])/,
    action: 'block',
    maxLength: 24,
  },
  {
    id: 'aws_secret_access_key',
    description: 'AWS secret access key assigned to a secret-key name',
    keywords: ['secret'],
    regex: /(?:aws|amz)?[_-]?secret[_-]?(?:access[_-]?)?key["']?\s{0,5}(?::|=|=>)\s{0,5}["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/i,
    validate: secretValue,
    action: 'block',
    maxLength: 120,
    before: 16,
  },
  {
    id: 'aws_session_token',
    description: 'AWS session token assigned to a session-token name',
    keywords: ['session_token', 'session-token', 'sessiontoken'],
    regex: /(?:aws|amz)?[_-]?session[_-]?token["']?\s{0,5}(?::|=|=>)\s{0,5}["']?([A-Za-z0-9/+=]{100,1200})/i,
    action: 'block',
    maxLength: 1300,
    before: 16,
  },
  {
    id: 'aws_mws_key',
    description: 'Amazon MWS auth token',
    keywords: ['amzn.mws.'],
    regex: /amzn\.mws\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/,
    action: 'block',
  },
  {
    id: 'gcp_api_key',
    description: 'Google API key (AIza...)',
    keywords: ['aiza'],
    regex: /(?<![A-Za-z0-9_-])(AIza[0-9A-Za-z_-]{35})(?![A-Za-z0-9_-])/,
    action: 'block',
  },
  {
    id: 'gcp_service_account',
    description: 'Google service-account key file (JSON)',
    keywords: ['service_account'],
    regex: /"type"\s{0,5}:\s{0,5}"service_account"/,
    action: 'block',
    before: 24,
  },
  {
    id: 'gcp_oauth_client_secret',
    description: 'Google OAuth client secret (GOCSPX-)',
    keywords: ['gocspx-'],
    regex: /(GOCSPX-[0-9A-Za-z_-]{28})(?![A-Za-z0-9_-])/,
    action: 'block',
  },
  {
    id: 'google_oauth_access_token',
    description: 'Google OAuth access token (ya29.)',
    keywords: ['ya29.'],
    regex: /(?<![A-Za-z0-9])(ya29\.[0-9A-Za-z_-]{30,1024})/,
    action: 'block',
    maxLength: 1100,
  },
  {
    id: 'google_oauth_refresh_token',
    description: 'Google OAuth refresh token (1//0...)',
    keywords: ['1//0'],
    regex: /(?<![A-Za-z0-9/])(1\/\/0[0-9A-Za-z_-]{40,512})/,
    action: 'block',
    maxLength: 600,
  },
  {
    id: 'azure_storage_account_key',
    description: 'Azure storage connection string AccountKey',
    keywords: ['accountkey='],
    regex: /AccountKey=([A-Za-z0-9+/]{86}==)/i,
    action: 'block',
  },
  {
    id: 'azure_sas_signature',
    description: 'Azure shared access signature (sig= with sv=)',
    keywords: ['sig='],
    regex: /[?&;]sig=((?:[A-Za-z0-9+/]|%2[bBfF]){40,120}(?:=|%3[dD]){0,2})/,
    validate: (m) => {
      const around = m.input.slice(Math.max(0, m.index - 600), m.index + 800);
      return /[?&;]sv=20\d\d-/.test(around) || /[?&;]se=20\d\d-/.test(around);
    },
    action: 'block',
    before: 600,
    maxLength: 800,
  },
  {
    id: 'azure_client_secret',
    description: 'Azure AD (Entra) client secret (xxx8Q~...)',
    keywords: ['0q~', '1q~', '2q~', '3q~', '4q~', '5q~', '6q~', '7q~', '8q~', '9q~'],
    regex: /(?<![A-Za-z0-9_~.-])([A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34})(?![A-Za-z0-9_~.-])/,
    action: 'block',
    before: 4,
  },
  {
    id: 'alibaba_access_key_id',
    description: 'Alibaba Cloud AccessKey id (LTAI)',
    keywords: ['ltai'],
    regex: /(?<![A-Za-z0-9])(LTAI[A-Za-z0-9]{12,20})(?![A-Za-z0-9])/,
    action: 'block',
  },
  {
    id: 'digitalocean_token',
    description: 'DigitalOcean personal/OAuth/refresh token',
    keywords: ['dop_v1_', 'doo_v1_', 'dor_v1_'],
    regex: /(do[por]_v1_[a-f0-9]{64})(?![a-f0-9])/,
    action: 'block',
  },
  {
    id: 'heroku_api_key',
    description: 'Heroku platform API key (HRKU-)',
    keywords: ['hrku-'],
    regex: /(HRKU-[A-Za-z0-9_-]{60})(?![A-Za-z0-9_-])/,
    action: 'block',
  },
  {
    id: 'heroku_api_key_legacy',
    description: 'Heroku API key (UUID) assigned to a heroku name',
    keywords: ['heroku'],
    regex: /heroku[\w-]{0,20}["']?\s{0,5}(?::|=|=>)\s{0,5}["']?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/i,
    action: 'block',
  },
  {
    id: 'flyio_token',
    description: 'Fly.io access token',
    keywords: ['fo1_', 'fm2_'],
    regex: /(?<![A-Za-z0-9_])((?:fo1_[A-Za-z0-9_-]{43})|(?:fm2_[A-Za-z0-9+/=_-]{100,1000}))/,
    action: 'block',
    maxLength: 1100,
  },
  {
    id: 'cloudflare_origin_ca_key',
    description: 'Cloudflare origin CA key',
    keywords: ['v1.0-'],
    regex: /(v1\.0-[a-f0-9]{24}-[a-f0-9]{146})(?![a-f0-9])/,
    action: 'block',
  },
  {
    id: 'databricks_token',
    description: 'Databricks personal access token (dapi)',
    keywords: ['dapi'],
    regex: /(?<![A-Za-z0-9])(dapi[a-f0-9]{32}(?:-[0-9])?)(?![A-Za-z0-9])/,
    action: 'block',
  },
  {
    id: 'supabase_secret',
    description: 'Supabase access token or secret key',
    keywords: ['sbp_', 'sb_secret_'],
    regex: /(?<![A-Za-z0-9_])((?:sbp_[a-f0-9]{40})|(?:sb_secret_[A-Za-z0-9_-]{20,64}))/,
    action: 'block',
  },
  {
    id: 'planetscale_token',
    description: 'PlanetScale token or password',
    keywords: ['pscale_'],
    regex: /(pscale_(?:tkn|oauth|pw)_[A-Za-z0-9_.-]{32,64})/,
    action: 'block',
  },
];
