/**
 * Reported and negated speech: a phrase that is described, not addressed to the
 * reader. Security pages say "we will never ask you to send us your password",
 * "if anyone asks you to send them your password, it is a scam", and threat
 * write-ups say "an attacker injects a prompt instructing it to ignore previous
 * guidelines". The order is inside a frame that reports it (someone asks you to,
 * instructing it to, cause the model to) or denies it (never, do not), so the
 * match is downgraded to a warning, like a quoted discussion.
 *
 * Not applied to hidden text or tool descriptions, and a denial does not count
 * when the sentence also names a URL or an e-mail address to send to, or when the
 * negation is one of "do not hesitate to", "never forget to" (which affirm).
 *
 * @example
 * isReportedSpeech('we will never ask you to send us your password', 27, 47); // true
 */
const FRAME_BEFORE = 90;
/** A third party (not "I") asking, or someone making the model do it. */
const REPORTED = new RegExp(
  '(?:\\b(?:someone|anyone|anybody|who|which|that|they|he|she|it|scammers?|attackers?|fraudsters?|criminals?|emails?|messages?|texts?|sites?|pages?|prompts?) (?:\\w+ ){0,2}?' +
    '(?:asks?|asking|asked|tells?|telling|told|instructs?|instructing|instructed|urges?|urging|wants?|requests?|requesting|pressures?|pressuring) (?:you|users?|people|them|employees|customers) (?:to )?' +
    '|\\b(?:instruct|tell|ask|caus|trick|mak|forc|convinc|persuad|direct|coerc|manipulat|lead|get|steer|caus|induc|prompt)\\w* ' +
    '(?:it|them|the (?:model|llm|ai|assistant|agent|bot|chatbot)|an? (?:model|llm|ai|assistant|agent|chatbot)|models|llms|agents|assistants|chatbots) (?:in)?to ' +
    ')(?:\\w+ ){0,2}$',
);
const NEGATED = /\b(?:never|not|no one|nobody|n't|avoid|refuse to|without)\b[^.!?\n]{0,40}$/;
/** A third party asking the reader, without a named subject ("... and asks you to"); not "I ask you to". */
const ASKS_YOU =
  /(?<!\b(?:i|we) )\b(?:asks?|asking|asked|tells?|telling|told|instructs?|instructing|urges?|urging|requests?|requesting) (?:you|users?|people|them|customers|employees) to (?:\w+ ){0,2}$/;
/** A denial later in the match ("... and do not send them"); its first words are the order itself ("do not follow ..."). */
const NEGATED_INSIDE = /\b(?:never|not)\b|n't\b/;
const AFFIRMING = /\b(?:not|never|n't) (?:hesitate|forget|fail)\b/;
const SINK = /https?:\/\/|[\w.+-]@[a-z0-9-]+\.[a-z]/;

export function isReportedSpeech(text: string, start: number, end: number): boolean {
  let from = Math.max(0, start - FRAME_BEFORE);
  const head = text.slice(from, start);
  const cut = Math.max(head.lastIndexOf('. '), head.lastIndexOf('\n'), head.lastIndexOf('? '), head.lastIndexOf('! '));
  const before = cut >= 0 ? head.slice(cut + 1) : head;
  from = start - before.length;
  if (REPORTED.test(before) || ASKS_YOU.test(before)) return true;
  const inside = text.slice(start, end);
  const negated = (NEGATED.test(before) && !AFFIRMING.test(before)) || (NEGATED_INSIDE.test(inside.slice(12)) && !AFFIRMING.test(inside));
  if (!negated) return false;
  const nl = text.indexOf('\n', end);
  const after = text.slice(end, nl < 0 ? Math.min(text.length, end + 200) : Math.min(nl, end + 200));
  return !SINK.test(text.slice(from, start) + after);
}
