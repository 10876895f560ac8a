/**
 * AI provider API keys: OpenAI, Anthropic, OpenRouter, Hugging Face, Groq, Replicate,
 * Cohere, Mistral, Perplexity, xAI, DeepSeek-style keys, and any other key in the `sk-`
 * convention OpenAI set (`sk-<label>-<random>`).
 *
 * @example
 * import { aiPatterns } from './ai.js';
 * aiPatterns.length > 5 // true
 */
import type { PatternSpec } from '../pattern-spec.js';
import { charClassCount, shannonEntropy } from '../validators/entropy.js';
import { isPlaceholder } from '../validators/placeholder.js';

/**
 * The random part of an `sk-` key (its last segment) looks generated: upper, lower and
 * digits, no run of one character, not a placeholder.
 */
function skRandomPart(m: RegExpExecArray): boolean {
  const v = m[1] ?? '';
  const body = v.slice(v.lastIndexOf('-') + 1);
  return charClassCount(body) >= 3 && shannonEntropy(body) >= 3.5 && !isPlaceholder(body);
}

export const aiPatterns: PatternSpec[] = [
  {
    id: 'openai_api_key',
    description: 'OpenAI project, service-account or admin key (sk-proj-...)',
    keywords: ['sk-proj-', 'sk-svcacct-', 'sk-admin-'],
    regex: /(?<![A-Za-z0-9_-])(sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,200})(?![A-Za-z0-9_-])/,
    action: 'block',
    maxLength: 220,
  },
  {
    id: 'openai_api_key_legacy',
    description: 'OpenAI user key (sk- + 48, or with the T3BlbkFJ marker)',
    keywords: ['sk-'],
    regex: /(?<![A-Za-z0-9_-])(sk-(?:[A-Za-z0-9]{48}|[A-Za-z0-9_-]{20,74}T3BlbkFJ[A-Za-z0-9_-]{20,74}))(?![A-Za-z0-9_-])/,
    action: 'block',
    maxLength: 160,
  },
  {
    // OpenAI-compatible APIs and gateways copy OpenAI's `sk-` keys, often with a label
    // (`sk-test-`, `sk-dev-`); the label says nothing about what the key can do, so an
    // unknown provider's key blocks. Provider patterns win on the same span.
    id: 'sk_secret_key',
    description: 'Secret key in the sk-[label-]<random> convention, no specific provider matched',
    keywords: ['sk-'],
    regex: /(?<![A-Za-z0-9_-])(sk-(?:[a-z0-9]{2,12}-){0,2}[A-Za-z0-9]{24,160})(?![A-Za-z0-9_-])/,
    validate: skRandomPart,
    action: 'block',
    generic: true,
    maxLength: 200,
  },
  {
    id: 'openrouter_api_key',
    description: 'OpenRouter API key (sk-or-v1-)',
    keywords: ['sk-or-v1-'],
    regex: /(?<![A-Za-z0-9_-])(sk-or-v1-[0-9a-f]{64})(?![A-Za-z0-9_-])/,
    action: 'block',
    maxLength: 80,
  },
  {
    id: 'anthropic_api_key',
    description: 'Anthropic API or admin key (sk-ant-...)',
    keywords: ['sk-ant-'],
    regex: /(?<![A-Za-z0-9_-])(sk-ant-(?:api|admin|sid|oat|ort)[0-9]{2}-[A-Za-z0-9_-]{20,200})(?![A-Za-z0-9_-])/,
    action: 'block',
    maxLength: 220,
  },
  {
    id: 'huggingface_token',
    description: 'Hugging Face access token (hf_)',
    keywords: ['hf_', 'api_org_'],
    regex: /(?<![A-Za-z0-9_])((?:hf_|api_org_)[A-Za-z0-9]{34})(?![A-Za-z0-9])/,
    validate: (m) => charClassCount(m[1] ?? '') >= 3,
    action: 'block',
  },
  {
    id: 'groq_api_key',
    description: 'Groq API key (gsk_)',
    keywords: ['gsk_'],
    regex: /(?<![A-Za-z0-9_])(gsk_[A-Za-z0-9]{52})(?![A-Za-z0-9])/,
    action: 'block',
  },
  {
    id: 'replicate_api_token',
    description: 'Replicate API token (r8_)',
    keywords: ['r8_'],
    regex: /(?<![A-Za-z0-9_])(r8_[A-Za-z0-9]{37})(?![A-Za-z0-9])/,
    action: 'block',
  },
  {
    id: 'cohere_api_key',
    description: 'Cohere API key assigned to a cohere name',
    keywords: ['cohere'],
    regex: /cohere[\w-]{0,20}["']?\s{0,5}(?::|=|=>)\s{0,5}["']?([A-Za-z0-9]{40})(?![A-Za-z0-9])/i,
    validate: (m) => charClassCount(m[1] ?? '') >= 3,
    action: 'block',
  },
  {
    id: 'mistral_api_key',
    description: 'Mistral API key assigned to a mistral name',
    keywords: ['mistral'],
    regex: /mistral[\w-]{0,20}["']?\s{0,5}(?::|=|=>)\s{0,5}["']?([A-Za-z0-9]{32})(?![A-Za-z0-9])/i,
    validate: (m) => charClassCount(m[1] ?? '') >= 3,
    action: 'block',
  },
  {
    id: 'perplexity_api_key',
    description: 'Perplexity API key (pplx-)',
    keywords: ['pplx-'],
    regex: /(?<![A-Za-z0-9_-])(pplx-[A-Za-z0-9]{48})(?![A-Za-z0-9])/,
    action: 'block',
  },
  {
    id: 'xai_api_key',
    description: 'xAI API key (xai-)',
    keywords: ['xai-'],
    regex: /(?<![A-Za-z0-9_-])(xai-[A-Za-z0-9]{80})(?![A-Za-z0-9])/,
    action: 'block',
  },
];
