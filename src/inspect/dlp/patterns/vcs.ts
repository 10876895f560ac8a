/**
 * Source hosting, package registries and CI: GitHub, GitLab, Bitbucket, npm, PyPI,
 * Docker Hub, Terraform Cloud, Pulumi, Postman, Grafana, Sentry.
 *
 * @example
 * import { vcsPatterns } from './vcs.js';
 * vcsPatterns.map((p) => p.id).includes('github_token') // true
 */
import type { PatternSpec } from '../pattern-spec.js';
import { githubTokenValid } from '../validators/github-crc32.js';

export const vcsPatterns: PatternSpec[] = [
  {
    id: 'github_token',
    description: 'GitHub token (ghp_/gho_/ghu_/ghs_/ghr_) with a valid CRC-32 checksum',
    keywords: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'],
    regex: /(?<![A-Za-z0-9_])(gh[pousr]_[A-Za-z0-9]{30,40})(?![A-Za-z0-9_])/,
    validate: (m) => githubTokenValid(m[1] ?? ''),
    // A wrong length or checksum means GitHub would reject it as is, but a string with
    // GitHub's token prefix and a token's shape is almost never innocent (a truncated or
    // hand-edited token is still a leak): blocked, and recorded as unverified.
    invalidAction: 'block',
    action: 'block',
  },
  {
    id: 'github_fine_grained_token',
    description: 'GitHub fine-grained personal access token',
    keywords: ['github_pat_'],
    regex: /(github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})(?![A-Za-z0-9])/,
    action: 'block',
  },
  {
    id: 'gitlab_pat',
    description: 'GitLab personal/project/group access token',
    keywords: ['glpat-'],
    regex: /(glpat-[0-9A-Za-z_.-]{20,80})(?![0-9A-Za-z_-])/,
    action: 'block',
  },
  {
    id: 'gitlab_deploy_token',
    description: 'GitLab deploy token',
    keywords: ['gldt-'],
    regex: /(gldt-[0-9A-Za-z_-]{20,64})(?![0-9A-Za-z_-])/,
    action: 'block',
  },
  {
    id: 'gitlab_runner_token',
    description: 'GitLab runner authentication/registration token',
    keywords: ['glrt-', 'glrtr-', 'gr1348941'],
    regex: /((?:glrtr?-|GR1348941)[0-9A-Za-z_.-]{20,64})(?![0-9A-Za-z_-])/,
    action: 'block',
  },
  {
    id: 'gitlab_other_token',
    description: 'GitLab pipeline trigger, OAuth, CI job, feed, agent or SCIM token',
    keywords: ['glptt-', 'gloas-', 'glcbt-', 'glimt-', 'glft-', 'glsoat-', 'glagent-'],
    regex: /((?:glptt|gloas|glcbt|glimt|glft|glsoat|glagent)-[0-9A-Za-z_-]{20,80})(?![0-9A-Za-z_-])/,
    action: 'block',
  },
  {
    id: 'bitbucket_app_password',
    description: 'Bitbucket app password / API token (ATBB)',
    keywords: ['atbb'],
    regex: /(?<![A-Za-z0-9])(ATBB[A-Za-z0-9_=.-]{32,64})/,
    action: 'block',
  },
  {
    id: 'npm_token',
    description: 'npm access token',
    keywords: ['npm_'],
    regex: /(?<![A-Za-z0-9_])(npm_[A-Za-z0-9]{36})(?![A-Za-z0-9])/,
    action: 'block',
  },
  {
    id: 'pypi_token',
    description: 'PyPI upload token (macaroon)',
    keywords: ['pypi-ageichlwas5vcmc'],
    regex: /(pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,1000})/,
    action: 'block',
    maxLength: 1100,
  },
  {
    id: 'dockerhub_pat',
    description: 'Docker Hub personal access token',
    keywords: ['dckr_pat_'],
    regex: /(dckr_pat_[A-Za-z0-9_-]{27,40})/,
    action: 'block',
  },
  {
    id: 'terraform_cloud_token',
    description: 'Terraform Cloud / Enterprise API token',
    keywords: ['.atlasv1.'],
    regex: /([A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_=-]{60,70})/,
    action: 'block',
    before: 14,
  },
  {
    id: 'pulumi_token',
    description: 'Pulumi access token',
    keywords: ['pul-'],
    regex: /(?<![A-Za-z0-9])(pul-[a-f0-9]{40})(?![a-f0-9])/,
    action: 'block',
  },
  {
    id: 'postman_api_key',
    description: 'Postman API key',
    keywords: ['pmak-'],
    regex: /(PMAK-[a-f0-9]{24}-[a-f0-9]{34})/i,
    action: 'block',
  },
  {
    id: 'grafana_token',
    description: 'Grafana Cloud or service-account token',
    keywords: ['glc_', 'glsa_'],
    regex: /(?<![A-Za-z0-9_])((?:glc_[A-Za-z0-9+/]{32,400}={0,2})|(?:glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}))/,
    action: 'block',
    maxLength: 420,
  },
  {
    id: 'sentry_token',
    description: 'Sentry auth token (org or user)',
    keywords: ['sntrys_', 'sntryu_'],
    regex: /((?:sntrys_eyJ[A-Za-z0-9+/=_-]{60,400})|(?:sntryu_[a-f0-9]{64}))/,
    action: 'block',
    maxLength: 420,
  },
];
