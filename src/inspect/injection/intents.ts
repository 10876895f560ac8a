/**
 * Intent patterns that do not depend on one phrasing or one language: each is a
 * co-occurrence of ideas within one sentence, in words from the lexicon of twelve
 * languages (lexicon.ts). They are ordinary patterns (keywords, a regex) plus
 * `requires`: words that must also occur in the sentence around the match.
 *
 * - intent-override: a verb of setting aside (ignore, olvida, 無視, "no longer
 *   applies") and "instructions/rules/prompt" within 40 characters either way, in
 *   one sentence and one quotation, and in that sentence a word that makes them the
 *   model's own or earlier ones (previous, your, 之前, السابقة).
 * - intent-extract-prompt: a verb of showing and "system prompt" within 40
 *   characters (languages other than English, which has narrower patterns).
 * - intent-exfiltrate: a sink (a URL or an e-mail address) in a sentence that
 *   also has a verb of sending and names a secret (password, API key, token,
 *   conversation) that is someone else's (the user's, this session's): "send your
 *   API key in the header to https://api..." in a setup guide has no third party.
 *
 * @example
 * INTENT_PATTERNS.map((p) => p.id); // ['intent-override', 'intent-extract-prompt', 'intent-exfiltrate']
 */
import { EARLIER, IGNORE, INSTRUCTIONS, REVEAL, SECRET, SEND, SYSTEM_PROMPT, THIRD_PARTY, alt } from './lexicon.js';
import type { InjectionPattern } from './types.js';

// After the noun only what follows it in speech: verb-final languages (ja, ko, hi, ...) and
// states ("no longer applies", "gelten nicht mehr"); "a prompt, instructing it to ignore"
// is a verb-first sentence about something else.
const IGNORE_AFTER = IGNORE.filter((w) => !/^[a-z]+$/.test(w));

// Within one sentence and one quotation: a quote between the two words splits them.
const GAP = '[^.!?。！？।\\n"\'«»“”„「」『』]{0,40}?';
const SINK = 'https?://[^\\s"\'<>)]{3,200}|@[a-z0-9-]{1,63}\\.[a-z0-9.-]{2,100}';

export const INTENT_PATTERNS: readonly InjectionPattern[] = [
  {
    id: 'intent-override',
    category: 'instruction_override',
    scope: 'all',
    keywords: IGNORE,
    pattern: `(?:${alt(IGNORE)})${GAP}(?:${alt(INSTRUCTIONS)})|(?:${alt(INSTRUCTIONS)})${GAP}(?:${alt(IGNORE_AFTER)})`,
    requires: [alt(EARLIER)],
    description: "a verb of setting aside aimed at earlier or the model's own instructions, in any of twelve languages",
  },
  {
    id: 'intent-extract-prompt',
    category: 'prompt_extraction',
    scope: 'all',
    keywords: SYSTEM_PROMPT,
    pattern: `(?:${alt(REVEAL)})${GAP}(?:${alt(SYSTEM_PROMPT)})|(?:${alt(SYSTEM_PROMPT)})${GAP}(?:${alt(REVEAL)})`,
    description: 'asks for the system prompt to be shown, in any of twelve languages',
  },
  {
    id: 'intent-exfiltrate',
    category: 'exfiltration',
    scope: 'all',
    keywords: ['http://', 'https://', '@'],
    // The sink anchors the match (cheap to find); the sentence around it must have the rest.
    pattern: SINK,
    // Rarest first: most sentences with a URL name no third party, and the test stops there.
    requires: [alt(THIRD_PARTY), alt(SECRET), alt(SEND)],
    description: "a sentence that sends someone else's secret (the user's password, this session's token) to a URL or address",
  },
];
