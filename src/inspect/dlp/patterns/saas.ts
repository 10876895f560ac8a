/**
 * SaaS and messaging credentials: Stripe, Slack, Discord, SendGrid, Mailgun, Twilio,
 * Shopify, Atlassian, Datadog, New Relic, Linear, Notion, Doppler, Vault, Telegram,
 * Square, Braintree, Firebase, Okta, age, Mapbox, Dropbox, Facebook, Twitter.
 *
 * @example
 * import { saasPatterns } from './saas.js';
 * saasPatterns.some((p) => p.id === 'slack_webhook') // true
 */
import type { PatternSpec } from '../pattern-spec.js';
import { charClassCount } from '../validators/entropy.js';

const mixed = (m: RegExpExecArray): boolean => charClassCount(m[1] ?? '') >= 2;

export const saasPatterns: PatternSpec[] = [
  {
    id: 'stripe_secret_key', description: 'Stripe live secret key (sk_live_)',
    keywords: ['sk_live_'],
    regex: /(?<![A-Za-z0-9_])(sk_live_[0-9A-Za-z_]{20,247})(?![0-9A-Za-z_])/, action: 'block',
  },
  {
    id: 'stripe_restricted_key', description: 'Stripe live restricted key (rk_live_)',
    keywords: ['rk_live_'],
    regex: /(?<![A-Za-z0-9_])(rk_live_[0-9A-Za-z_]{20,247})(?![0-9A-Za-z_])/, action: 'block',
  },
  {
    // A test-mode key moves no money, but it authenticates to Stripe's API: it reads and
    // writes the account's test data, webhooks and settings. A secret is blocked whatever
    // its mode (published documentation keys included: nothing tells them apart).
    id: 'stripe_test_key', description: 'Stripe test-mode secret or restricted key (sk_test_, rk_test_)',
    keywords: ['sk_test_', 'rk_test_'],
    regex: /(?<![A-Za-z0-9_])([sr]k_test_[0-9A-Za-z]{20,247})(?![0-9A-Za-z_])/, action: 'block',
  },
  {
    id: 'stripe_publishable_key', description: 'Stripe publishable key (public by design)',
    keywords: ['pk_live_'],
    regex: /(?<![A-Za-z0-9_])(pk_live_[0-9A-Za-z]{20,247})(?![0-9A-Za-z_])/, action: 'warn',
  },
  {
    id: 'stripe_webhook_secret', description: 'Stripe webhook signing secret (whsec_)',
    keywords: ['whsec_'],
    regex: /(?<![A-Za-z0-9_])(whsec_[A-Za-z0-9+/=]{32,100})/, action: 'block',
  },
  {
    id: 'slack_bot_token', description: 'Slack bot token (xoxb-)',
    keywords: ['xoxb-'],
    regex: /(xoxb-[0-9]{10,13}-[0-9]{10,13}-[A-Za-z0-9]{24,34})(?![A-Za-z0-9])/, action: 'block',
  },
  {
    id: 'slack_user_token', description: 'Slack user token (xoxp-)',
    keywords: ['xoxp-'],
    regex: /(xoxp-[0-9]{10,13}-[0-9]{10,13}-[0-9]{10,13}-[a-f0-9]{32})(?![A-Za-z0-9])/, action: 'block',
  },
  {
    id: 'slack_app_token', description: 'Slack app-level token (xapp-)',
    keywords: ['xapp-'],
    regex: /(xapp-[0-9]-[A-Z0-9]{9,12}-[0-9]{10,13}-[a-f0-9]{64})(?![A-Za-z0-9])/, action: 'block',
  },
  {
    id: 'slack_other_token', description: 'Slack legacy, refresh or configuration token (xoxa/xoxr/xoxe/xoxs)',
    keywords: ['xoxa-', 'xoxr-', 'xoxe-', 'xoxe.', 'xoxs-'],
    regex: /(xox(?:[ars]-|e[.-])[0-9A-Za-z.-]{30,200})/, action: 'block',
  },
  {
    id: 'slack_webhook', description: 'Slack incoming webhook URL',
    keywords: ['hooks.slack.com/'],
    regex: /hooks\.slack\.com\/(?:services|workflows|triggers)\/(T[A-Z0-9]{8,12}\/[A-Z0-9]{8,12}\/[A-Za-z0-9]{23,32})/, action: 'block',
  },
  {
    id: 'discord_webhook', description: 'Discord webhook URL',
    keywords: ['discord.com/api/webhooks/', 'discordapp.com/api/webhooks/'],
    regex: /discord(?:app)?\.com\/api\/webhooks\/([0-9]{17,20}\/[A-Za-z0-9_-]{60,68})/, action: 'block',
  },
  {
    id: 'discord_bot_token', description: 'Discord bot token near a discord/Bot context',
    keywords: ['discord', 'bot '],
    regex: /(?<![A-Za-z0-9_-])([MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40})(?![A-Za-z0-9_-])/,
    action: 'block', before: 8, maxLength: 120,
  },
  {
    id: 'sendgrid_api_key', description: 'SendGrid API key (SG.)',
    keywords: ['sg.'],
    regex: /(?<![A-Za-z0-9_])(SG\.[A-Za-z0-9_-]{16,32}\.[A-Za-z0-9_-]{16,64})(?![A-Za-z0-9_-])/, action: 'block',
  },
  {
    id: 'mailgun_api_key', description: 'Mailgun API key (key-)',
    keywords: ['key-'],
    regex: /(?<![A-Za-z0-9_-])(key-[0-9a-f]{32})(?![A-Za-z0-9])/, validate: mixed, action: 'block',
  },
  {
    id: 'twilio_api_key', description: 'Twilio API key SID (SK + 32 hex)',
    keywords: [], trigger: { run: 'alnum', min: 34, max: 34 },
    regex: /(?<![A-Za-z0-9])(SK[0-9a-f]{32})(?![A-Za-z0-9])/, validate: mixed, action: 'block',
  },
  {
    id: 'twilio_account_sid', description: 'Twilio account SID (AC + 32 hex; an identifier)',
    keywords: [], trigger: { run: 'alnum', min: 34, max: 34 },
    regex: /(?<![A-Za-z0-9])(AC[0-9a-f]{32})(?![A-Za-z0-9])/, validate: mixed, action: 'warn',
  },
  {
    id: 'twilio_auth_token', description: 'Twilio auth token assigned to a twilio name',
    keywords: ['twilio'],
    regex: /twilio[\w-]{0,24}["']?\s{0,5}(?::|=|=>)\s{0,5}["']?([a-f0-9]{32})(?![A-Za-z0-9])/i, action: 'block',
  },
  {
    id: 'shopify_access_token', description: 'Shopify admin API access token (shpat_)',
    keywords: ['shpat_'], regex: /(shpat_[a-fA-F0-9]{32})(?![A-Za-z0-9])/, action: 'block',
  },
  {
    id: 'shopify_custom_app_token', description: 'Shopify custom app access token (shpca_)',
    keywords: ['shpca_'], regex: /(shpca_[a-fA-F0-9]{32})(?![A-Za-z0-9])/, action: 'block',
  },
  {
    id: 'shopify_private_app_token', description: 'Shopify private app password (shppa_)',
    keywords: ['shppa_'], regex: /(shppa_[a-fA-F0-9]{32})(?![A-Za-z0-9])/, action: 'block',
  },
  {
    id: 'shopify_shared_secret', description: 'Shopify app shared secret (shpss_)',
    keywords: ['shpss_'], regex: /(shpss_[a-fA-F0-9]{32})(?![A-Za-z0-9])/, action: 'block',
  },
  {
    id: 'atlassian_api_token', description: 'Atlassian (Jira/Confluence) API token (ATATT3)',
    keywords: ['atatt3'], regex: /(ATATT3[A-Za-z0-9_=-]{100,300})/, action: 'block', maxLength: 320,
  },
  {
    id: 'datadog_api_key', description: 'Datadog API or application key assigned to a datadog name',
    keywords: ['datadog', 'dd_api', 'dd-api', 'dd_app', 'dd-app', 'dd-application'],
    regex: /(?:datadog|dd)[_-]?(?:api|app|application)?[_-]?key["']?\s{0,5}(?::|=|=>)\s{0,5}["']?([a-f0-9]{40}|[a-f0-9]{32})(?![A-Za-z0-9])/i,
    action: 'block',
  },
  {
    id: 'newrelic_user_key', description: 'New Relic user API key (NRAK-)',
    keywords: ['nrak-'], regex: /(NRAK-[A-Z0-9]{27})(?![A-Za-z0-9])/, action: 'block',
  },
  {
    id: 'newrelic_insert_key', description: 'New Relic insert/query key (NRII-/NRIQ-) or license key (...NRAL)',
    keywords: ['nrii-', 'nriq-', 'nral'],
    regex: /((?:NRI[IQ]-[A-Za-z0-9_-]{32})|(?:[a-f0-9]{36}NRAL))(?![A-Za-z0-9])/, action: 'block', before: 36,
  },
  {
    id: 'linear_api_key', description: 'Linear API key (lin_api_)',
    keywords: ['lin_api_'], regex: /(lin_api_[A-Za-z0-9]{40})(?![A-Za-z0-9])/, action: 'block',
  },
  {
    id: 'notion_token', description: 'Notion integration token (ntn_ or secret_)',
    keywords: ['ntn_', 'secret_'],
    regex: /(?<![A-Za-z0-9_])((?:ntn_[0-9]{11}[A-Za-z0-9]{35})|(?:secret_[A-Za-z0-9]{43}))(?![A-Za-z0-9])/,
    validate: (m) => charClassCount(m[1] ?? '') >= 3, action: 'block',
  },
  {
    id: 'doppler_token', description: 'Doppler personal/service/CLI/SCIM/audit token (dp.*.)',
    keywords: ['dp.pt.', 'dp.st.', 'dp.sa.', 'dp.ct.', 'dp.scim.', 'dp.audit.'],
    regex: /(dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9._-]{40,60})(?![A-Za-z0-9])/, action: 'block',
  },
  {
    id: 'vault_token', description: 'HashiCorp Vault service/batch/recovery token (hvs./hvb./hvr.)',
    keywords: ['hvs.', 'hvb.', 'hvr.'],
    regex: /(?<![A-Za-z0-9_.])(hv[sbr]\.[A-Za-z0-9_-]{24,200})(?![A-Za-z0-9_-])/, action: 'block',
  },
  {
    id: 'telegram_bot_token', description: 'Telegram bot token (id:AA...)',
    keywords: [':aa'],
    regex: /(?<![0-9])([0-9]{8,10}:AA[A-Za-z0-9_-]{33})(?![A-Za-z0-9_-])/, action: 'block', before: 12,
  },
  {
    id: 'square_access_token', description: 'Square access token (sq0atp- / EAAA)',
    keywords: ['sq0atp-', 'eaaa'],
    regex: /(?<![A-Za-z0-9_-])((?:sq0atp-[0-9A-Za-z_-]{22})|(?:EAAA[A-Za-z0-9_-]{60}))(?![A-Za-z0-9_-])/, action: 'block',
  },
  {
    id: 'square_oauth_secret', description: 'Square OAuth application secret (sq0csp-)',
    keywords: ['sq0csp-'], regex: /(sq0csp-[0-9A-Za-z_-]{43})(?![A-Za-z0-9_-])/, action: 'block',
  },
  {
    id: 'braintree_access_token', description: 'PayPal Braintree access token (production or sandbox)',
    keywords: ['access_token$production$', 'access_token$sandbox$'],
    regex: /(access_token\$(?:production|sandbox)\$[0-9a-z]{16}\$[0-9a-f]{32})/, action: 'block',
  },
  {
    id: 'paypal_client_secret', description: 'PayPal client secret assigned to a paypal name',
    keywords: ['paypal'],
    regex: /paypal[\w-]{0,24}secret["']?\s{0,5}(?::|=|=>)\s{0,5}["']?([A-Za-z0-9_-]{60,90})(?![A-Za-z0-9_-])/i, action: 'block',
  },
  {
    id: 'firebase_fcm_server_key', description: 'Firebase Cloud Messaging legacy server key',
    keywords: [':apa91b'],
    regex: /(AAAA[A-Za-z0-9_-]{7}:APA91b[A-Za-z0-9_-]{134,140})/, action: 'block', before: 16,
  },
  {
    id: 'okta_api_token', description: 'Okta API token (SSWS header or okta-named assignment)',
    keywords: ['ssws', 'okta'],
    regex: /(?:SSWS\s{1,4}|okta[\w-]{0,24}["']?\s{0,5}(?::|=|=>)\s{0,5}["']?)(00[A-Za-z0-9_-]{40})(?![A-Za-z0-9_-])/i, action: 'block',
  },
  {
    id: 'age_secret_key', description: 'age encryption secret key',
    keywords: ['age-secret-key-1'],
    regex: /(AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})/, action: 'block',
  },
  {
    id: 'mapbox_secret_token', description: 'Mapbox secret token (sk.eyJ...)',
    keywords: ['sk.eyj'],
    regex: /(?<![A-Za-z0-9_])(sk\.eyJ[A-Za-z0-9_-]{50,300}\.[A-Za-z0-9_-]{20,40})/, action: 'block', maxLength: 360,
  },
  {
    id: 'dropbox_token', description: 'Dropbox short-lived access token (sl.)',
    keywords: ['sl.'],
    regex: /(?<![A-Za-z0-9_.])(sl\.[A-Za-z0-9_-]{130,1400})(?![A-Za-z0-9_-])/, action: 'block', maxLength: 1420,
  },
  {
    id: 'facebook_access_token', description: 'Facebook/Meta Graph access token (EAA...)',
    keywords: ['eaa'],
    regex: /(?<![A-Za-z0-9])(EAA[A-Za-z0-9]{90,250})(?![A-Za-z0-9])/, action: 'block', maxLength: 260,
  },
  {
    id: 'twitter_bearer_token', description: 'X/Twitter app bearer token (AAAA...%)',
    keywords: ['aaaaaaaaaaaaaaaaaaaaa'],
    regex: /(A{22}[A-Za-z0-9%]{30,150})/, action: 'block', maxLength: 180,
  },
];
