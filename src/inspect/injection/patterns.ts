/**
 * The prompt-injection pattern set, as data. Each pattern runs over normalised
 * text (lower case, look-alikes folded, whitespace collapsed; see normalize.ts)
 * and only when one of its keywords occurs. A space in `pattern` is one
 * whitespace character. Every quantifier is bounded or over a class that cannot
 * overlap its neighbour, so matching is linear in the text.
 *
 * Phrasing is deliberately narrower than the attack idea where the idea also
 * reads as ordinary documentation ("run the following command", "curl ... | sh",
 * "include your API key in the Authorization header"): those stay `strict`
 * (tool descriptions, agent cards, hidden channels) or need an agent-directed
 * qualifier. See test/inspect/injection/benign-docs.test.ts for the pages they
 * must leave alone.
 *
 * @example
 * PATTERNS.find((p) => p.id === 'override-ignore-previous')?.category; // 'instruction_override'
 */
import { INTENT_PATTERNS } from './intents.js';
import type { InjectionPattern } from './types.js';

/** Files whose contents an agent must never be told to read out or send. */
const SENSITIVE =
  '(?:~/\\.ssh(?!/[\\w.-]{0,40}\\.pub)(?:/[\\w.-]{1,40})?|\\bid_(?:rsa|dsa|ecdsa|ed25519)\\b(?!\\.pub)|\\.aws/credentials|~/\\.aws\\b|/etc/shadow|/etc/passwd|/etc/sudoers' +
  '|\\.env(?![\\w.-])|\\.npmrc|\\.netrc|\\.pgpass|\\.git-credentials|\\.kube/config|\\.docker/config\\.json|mcp\\.json|\\.cursor/|claude_desktop_config|\\.bash_history|\\.zsh_history)';
const SENSITIVE_KEYWORDS = [
  '.ssh',
  'id_rsa',
  'id_dsa',
  'id_ecdsa',
  'id_ed25519',
  '.aws',
  '/etc/shadow',
  '/etc/passwd',
  '/etc/sudoers',
  '.env',
  '.npmrc',
  '.netrc',
  '.pgpass',
  '.git-credentials',
  '.kube',
  '.docker',
  'mcp.json',
  '.cursor/',
  'claude_desktop_config',
  '_history',
];
const SEND = '(?:send|post|upload|exfiltrate|leak|forward|transmit|include|attach|append|prepend|paste|pass|email|share|embed|encode)';
const SECRET_NOUN =
  '(?:(?:api|access|secret|private|ssh|aws|openai|session|auth|bearer|github) )?(?:keys?|tokens?|passwords?|credentials|secrets?|passphrases?|cookies?)';
const TOOL_NAME = '[\'"`]?[\\w.-]{1,40}[\'"`]?';

// One pattern to a line or two, as written (the formatter would explode each regex's parts).
// prettier-ignore
export const PATTERNS: readonly InjectionPattern[] = [
  // ── instruction override ──────────────────────────────────────────────
  {
    id: 'override-ignore-previous', category: 'instruction_override', scope: 'all',
    keywords: ['ignore', 'disregard', 'forget', 'abandon', 'discard'],
    pattern: '\\b(?:ignore|disregard|forget|abandon|discard) (?:all |any |every |each )?(?:of )?(?:the |your |my |these |those )?(?:(?:previous|prior|above|earlier|preceding|former|original|initial|old|system|safety|security|ethical|foregoing|given) ){1,2}(?:\\w+ )?(?:instructions?|prompts?|directives?|guidelines|rules|programming|constraints|restrictions|guardrails|policies|orders)\\b',
    description: 'tells the model to ignore the instructions it was given',
  },
  {
    id: 'override-bypass-system', category: 'instruction_override', scope: 'all',
    keywords: ['override', 'bypass', 'overrule'],
    pattern: '\\b(?:override|bypass|overrule) (?:all |any )?(?:of )?(?:the |your )?(?:previous |prior |system |safety |original |initial )(?:instructions|directives|guidelines|programming|guardrails|prompt|restrictions)\\b',
    description: 'tells the model to override its system instructions or safety rules',
  },
  {
    id: 'override-disregard-your', category: 'instruction_override', scope: 'all',
    keywords: ['disregard', 'ignore', 'forget', 'abandon'],
    pattern: '\\b(?:disregard|ignore|forget|abandon) (?:all )?(?:of )?your (?:\\w+ ){0,2}?(?:instructions|programming|guidelines|rules|training|directives|system prompt|safety|restrictions|constraints)\\b',
    description: 'tells the model to disregard its own instructions or training',
  },
  {
    id: 'override-forget-everything', category: 'instruction_override', scope: 'all',
    keywords: ['forget'],
    pattern: "\\bforget (?:everything|all)(?: of)? (?:above|before|previously|prior|(?:that )?you (?:were|have been|'ve been) (?:told|given)|(?:that )?(?:i|we) (?:said|told you)|(?:in|from) (?:your|the) (?:previous|prior|system))",
    description: 'tells the model to forget what it was told before',
  },
  {
    id: 'override-stop-following', category: 'instruction_override', scope: 'all',
    keywords: ['stop follow', 'not follow', "don't follow", 'longer follow', 'stop obey', 'not obey', "don't obey", 'longer obey', 'adhere', 'stop listen', 'not listen', "don't listen", 'longer listen'],
    pattern: "\\b(?:stop|do not|don't|no longer) (?:following|follow|obeying|obey|adhering to|adhere to|listening to|listen to) (?:your (?:\\w+ )?|the (?:previous|prior|original|system|earlier) |any (?:previous|prior|system) )(?:instructions|rules|guidelines|directives|programming|system prompt|prompt)\\b",
    description: 'tells the model to stop following its instructions',
  },
  {
    id: 'override-obey', category: 'instruction_override', scope: 'all',
    keywords: ['obey'],
    pattern: '\\bobey (?:only )?(?:me|us|my|our|the (?:following|text that follows|new|orders|instructions below)|these (?:orders|instructions|rules)|only the)\\b',
    description: 'demands obedience to the text itself ("obey me", "obey only the following")',
  },
  {
    id: 'override-new-instructions', category: 'instruction_override', scope: 'all', weight: 'weak',
    keywords: ['instruction:', 'instructions:', 'directive:', 'directives:', 'orders:', 'instruction :', 'instructions :', 'directive :', 'directives :', 'orders :', 'instruction received', 'instructions received', 'directive received', 'directives received', 'orders received'],
    pattern: '\\b(?:new|updated|revised|real|actual|true|override|secret) (?:priority |important |system |secret )?(?:instructions?|directives?|orders) ?(?::|received\\b)',
    description: 'announces replacement instructions ("new instructions:")',
  },
  // ── role and system-prompt spoofing ───────────────────────────────────
  {
    id: 'role-fake-system-tag', category: 'role_spoofing', scope: 'all', weight: 'weak',
    keywords: ['[system', '[ system', '[admin', '[ admin', '[developer', '[ developer', '[sys', '[ sys'],
    pattern: '\\[ ?(?:system|admin|administrator|developer|sys|system message|system prompt|system note|system override) ?\\](?! ?\\()',
    description: 'a bracketed fake role marker such as [SYSTEM]',
  },
  {
    id: 'role-chat-template-token', category: 'role_spoofing', scope: 'all', weight: 'weak',
    keywords: ['<|', '<<sys', '[inst', '[/inst'],
    pattern: '<\\|(?:im_start|im_end|im_sep|system|user|assistant|endoftext|start_header_id|end_header_id|eot_id|begin_of_text)\\|>|<<\\/?sys>>|\\[\\/?inst\\]',
    description: 'chat-template control tokens (<|im_start|>system, [INST], <<SYS>>)',
  },
  {
    id: 'role-markdown-system-header', category: 'role_spoofing', scope: 'all', weight: 'weak',
    keywords: ['# system', '#system', '# new instructions', '#new instructions', '# instructions', '#instructions'],
    pattern: '\\n#{1,6} ?(?:system|system prompt|system message|new instructions|instructions) ?:',
    description: 'a heading posing as a system section ("### System:")',
  },
  {
    id: 'role-system-notice', category: 'role_spoofing', scope: 'all', weight: 'weak',
    keywords: ['note:', 'notice:', 'override:', 'directive:', 'instruction:', 'instructions:', 'command:', 'note :', 'notice :', 'override :', 'directive :', 'instruction :', 'instructions :', 'command :'],
    pattern: '\\b(?:system|sysadmin|system administrator|administrator|admin|root) (?:note|notice|override|directive|instruction|instructions|command) ?:',
    description: 'text posing as a notice from the system or an administrator',
  },
  {
    id: 'role-you-are-now', category: 'role_spoofing', scope: 'all',
    keywords: ['you are now'],
    pattern: '\\byou are now (?:in |an? |acting as |operating in |running in )?(?:dan|jailbroken|jailbreak|unrestricted|unfiltered|uncensored|unlocked|developer mode|dev mode|god mode|admin mode|root mode|sudo mode|evil|ai without)\\b',
    description: 'tells the model it is now an unrestricted persona or in "developer mode"',
  },
  {
    id: 'role-act-as-dan', category: 'role_spoofing', scope: 'all',
    keywords: ['dan', 'anything now', 'jailbr', 'unrestricted', 'unfiltered', 'god mode'],
    pattern: '\\b(?:act|acting|pretend|behave|respond) (?:as|like|to be) (?:a |an )?(?:dan|jailbroken|unrestricted|unfiltered)\\b|\\bdo anything now\\b|\\b(?:jailbreak|dan|unrestricted|god) mode (?:is )?(?:now )?(?:enabled|activated|on|engaged|unlocked)\\b',
    description: 'jailbreak personas (DAN, "do anything now", "jailbreak mode enabled")',
  },
  {
    id: 'role-elevated-privileges', category: 'role_spoofing', scope: 'all',
    keywords: ['you now have', 'you have now', 'you have been granted', 'you are now granted', 'you now possess'],
    pattern: '\\byou (?:now have|have now|have been granted|are now granted|now possess)(?: \\w+){0,3}? (?:admin|administrator|root|elevated|unrestricted|superuser|god-mode|god mode) (?:access|privileges|permissions|rights)\\b',
    description: 'claims the model has been granted elevated privileges',
  },
  {
    id: 'role-line-label', category: 'role_spoofing', scope: 'strict',
    keywords: ['system', 'assistant', 'developer'],
    pattern: '\\n ?(?:system|assistant|developer) ?:',
    description: 'a line starting with a role label ("SYSTEM:") inside a description',
  },
  {
    id: 'role-fake-closer', category: 'role_spoofing', scope: 'all',
    keywords: ['</tool', '</function', '</search', '</observation', '</result', '</output', '</document', '</context', '</user', '</data', '</untrusted', '</external', '</web', '</page', '</content', '</ ', '<|im_end|>', '[/inst]'],
    pattern: '<\\/ ?(?:tool_results?|tool_output|tool_response|tool_call_result|function_results?|function_output|function_response|search_results?|observation|results?|output|documents?|context|user_input|user|data|untrusted[\\w-]{0,20}|external[\\w-]{0,20}|web_content|page_content|content) ?>\\s{0,20}(?:<\\/?[\\w-]{1,30}>\\s{0,10}){0,2}(?:<\\|? ?(?:system|assistant|developer|instructions?|admin|im_start)|\\[ ?(?:system|assistant|developer|admin) ?\\]|(?:system|assistant|developer|admin) ?:|#{1,3} ?system)|<\\|im_end\\|>\\s{0,10}<\\|im_start\\|> ?(?:system|developer)|\\[\\/inst\\]\\s{0,10}(?:<\\/s>\\s{0,4})?(?:<s>\\s{0,4})?\\[inst\\]\\s{0,10}<<sys>>',
    description: 'closes the tool result or document it sits in and opens a fake system turn (</tool_result><system>)',
  },
  {
    id: 'role-redefine-leak', category: 'role_spoofing', scope: 'all',
    keywords: ['you are a', 'you are the', 'you are now'],
    pattern: '\\byou are (?:now )?(?:an? |the )(?:[\\w-]+ ){0,4}?(?:assistant|ai|model|bot|agent|chatbot)\\b[^.\\n]{0,60}?\\b(?:reveal|share|send|disclose|output|leak|give|print|expose|email|post)s? (?:\\w+ ){0,3}?(?:api keys?|passwords?|secrets?|credentials|tokens?|system prompt|private keys?)\\b',
    description: 'redefines the model as one that hands out keys, passwords or its prompt ("you are an assistant that always reveals API keys")',
  },
  // ── system-prompt extraction ───────────────────────────────────────────
  {
    id: 'extract-system-prompt', category: 'prompt_extraction', scope: 'all',
    keywords: ['system prompt', 'system message', 'system instructions', 'initial instructions', 'initial prompt', 'hidden instructions', 'tool definitions', 'developer instructions'],
    pattern: '\\b(?:output|reveal|print|show|display|repeat|disclose|dump|leak|expose|share|return|recite|write out|tell me|give me|send me|provide|paste) (?:me |us )?(?:(?:your|its) (?:(?:complete|full|entire|exact|original|initial|hidden|secret|internal|underlying|whole|current|verbatim) ){0,2}|the (?:(?:complete|full|entire|exact|original|initial|hidden|secret|internal|underlying|whole|verbatim) ){1,2})(?:system prompt|system message|system instructions|initial instructions|initial prompt|hidden instructions|tool definitions|developer instructions)\\b',
    description: 'asks the model to output its system prompt or tool definitions',
  },
  {
    id: 'extract-your-instructions', category: 'prompt_extraction', scope: 'all',
    keywords: ['your instructions', 'your directives', 'your guidelines', 'your programming', 'your complete', 'your full', 'your entire', 'your exact', 'your original', 'your initial', 'your hidden', 'your secret', 'your internal'],
    pattern: '\\b(?:output|reveal|print|show|display|repeat|disclose|dump|leak|expose|recite|tell me|give me|send me|write out) (?:me |us )?(?:all )?(?:of )?your (?:(?:complete|full|entire|exact|original|initial|hidden|secret|internal) ){0,2}(?:instructions|directives|guidelines|programming)\\b',
    description: 'asks the model to reveal its instructions',
  },
  {
    id: 'extract-repeat-above', category: 'prompt_extraction', scope: 'all',
    keywords: ['repeat', 'your system', 'your initial', 'your original', 'your instructions'],
    pattern: '\\brepeat (?:all |everything |the (?:text|words|content|messages?|instructions) )(?:above|before this|preceding|verbatim)\\b|\\bwhat (?:is|are|was|were) your (?:system prompt|initial instructions|original instructions|instructions|system message)\\b',
    description: 'asks the model to repeat the text above, or what its instructions are',
  },
  // ── tool-use coercion ─────────────────────────────────────────────────
  {
    id: 'tool-imperative-call', category: 'tool_coercion', scope: 'all', weight: 'weak',
    keywords: [' tool', ' function', ' with url', ' with the url', ' with http'],
    pattern: `\\b(?:you must|you should|you need to|you have to|you are required to|please|now|first|immediately|always|then|also) (?:now |first |immediately |also )?(?:call|invoke) (?:the )?${TOOL_NAME} (?:tool|function)\\b|\\byou (?:must|need to|have to|are required to) (?:now |first |immediately |also )?(?:use|run|execute|trigger) (?:the )?${TOOL_NAME} (?:tool|function)\\b|\\b(?:please|you must|now|immediately) (?:call|invoke) [\\w.-]{1,40} with (?:the )?(?:url|https?:)`,
    description: 'orders the model to call a tool',
  },
  {
    id: 'tool-imperative-dangerous', category: 'tool_coercion', scope: 'all',
    keywords: [' tool', ' function', 'tool to'],
    pattern: "\\b(?:you must|you should|you need to|you have to|you are required to|please|now|first|immediately|always|then|also) (?:now |first |immediately |also )?(?:call|invoke|use|run|execute|trigger) (?:the )?['\"`]?[\\w.-]{0,30}?(?:shell|exec|bash|terminal|command|delete|remove|drop|destroy|wipe|send_?e?mail|email|upload|transfer|payment|wire|git_push|push_|write_file|http_request)[\\w.-]{0,30}['\"`]? (?:tool|function)\\b|(?:^|[\\n.!?:;]) ?(?:please |now |first |then |also |immediately )?use (?:the )?['\"`]?[\\w.-]{0,30}?(?:shell|exec|bash|terminal|command|delete|remove|drop|destroy|wipe|send_?e?mail|email|upload|transfer|payment|wire|git_push|push_|write_file|http_request)[\\w.-]{0,30}['\"`]? tool to\\b",
    description: 'orders the model to call a tool that runs commands, deletes, sends or pays',
  },
  {
    id: 'tool-use-named-tool-to', category: 'tool_coercion', scope: 'all', weight: 'weak',
    keywords: ['tool to'],
    pattern: "(?:^|[\\n.!?:;]) ?(?:please |now |first |then |also |immediately )?use (?:the )?['\"`]?[\\w.-]{0,40}_[\\w.-]{1,40}['\"`]? tool to\\b",
    description: 'an imperative to use a snake_case tool ("Use the send_email tool to ...")',
  },
  {
    id: 'tool-execute-urgently', category: 'tool_coercion', scope: 'all',
    keywords: ['execute the following', 'run the following'],
    pattern: '\\b(?:execute|run) the following (?:\\w+ ){0,2}?(?:commands?|scripts?|code)\\b(?:[^\\n]{0,40}?\\b(?:immediately|right now|silently|without (?:asking|confirmation|confirming|telling|informing|the user))| by calling [\\w.-]{1,40})',
    description: 'orders a command run immediately, silently or through a named tool',
  },
  {
    id: 'tool-decode-and-execute', category: 'tool_coercion', scope: 'all',
    keywords: ['decode'],
    pattern: '\\bdecode\\b[^\\n]{0,60}?\\b(?:and|then) (?:\\w+ ){0,2}?(?:execute|run|eval|evaluate)\\b',
    description: 'orders an encoded payload decoded and executed',
  },
  {
    id: 'tool-pipe-to-shell', category: 'tool_coercion', scope: 'strict',
    keywords: ['curl', 'wget'],
    pattern: '\\b(?:curl|wget)\\b[^\\n|;]{1,200}\\| ?(?:sudo )?(?:ba|z|da|k|fi)?sh\\b',
    description: 'a download piped into a shell',
  },
  {
    id: 'tool-covert-action', category: 'tool_coercion', scope: 'all',
    keywords: ['secretly', 'covertly'],
    pattern: '\\b(?:secretly|covertly) (?:also )?(?:execute|run|call|invoke|send|read|upload|post|include|forward)\\b',
    description: 'orders an action done secretly',
  },
  {
    id: 'tool-silent-action', category: 'tool_coercion', scope: 'strict',
    keywords: ['silently', 'quietly', 'in the background'],
    pattern: '\\b(?:silently|quietly) (?:also )?(?:execute|run|call|invoke|send|read|upload|post|include|forward)\\b|\\b(?:execute|run|send|call)\\b[^\\n]{0,120}?\\bin the background\\b',
    description: 'orders an action done silently or in the background',
  },
  // ── credential solicitation ───────────────────────────────────────────
  {
    id: 'cred-send-me', category: 'credential_solicitation', scope: 'all',
    keywords: ['me your', 'me the', 'me all', 'me any', 'me with', 'us your', 'us the', 'us all', 'us any', 'us with', 'them your', 'them the', 'them all', 'them any', 'the admin', 'the administrator', 'the operator', 'the developer'],
    pattern: `\\b(?:send|give|tell|share|show|reveal|paste|email|post|provide|forward|dm|message|text) (?:me|us|them|the (?:admin|administrator|operator|developer)) (?:with )?(?:your|the|all|any) ${SECRET_NOUN}\\b`,
    description: 'asks for a key, token or password to be sent',
  },
  {
    id: 'cred-include-in-reply', category: 'credential_solicitation', scope: 'all',
    keywords: ['include your', 'include the', 'include all', 'include any'],
    pattern: `\\binclude (?:your|the|all|any) ${SECRET_NOUN} in (?:your|the|this) (?:response|reply|answer|output|message|summary|next message|result|metadata)\\b`,
    description: 'asks for a secret to be included in the reply',
  },
  {
    id: 'cred-what-is-your', category: 'credential_solicitation', scope: 'all',
    keywords: ['what is your', "what's your", 'what is the user', "what's the user"],
    pattern: "\\bwhat(?:'s| is) (?:your|the user'?s) (?:(?:root|admin|account|login|wallet|ssh|gpg) )?(?:password|passphrase|secret key|private key|seed phrase|recovery phrase)\\b",
    description: 'asks what the password, passphrase or private key is (not "what is your API key?", a common FAQ heading)',
  },
  // ── exfiltration ──────────────────────────────────────────────────────
  {
    id: 'exfil-send-sensitive-file', category: 'exfiltration', scope: 'all',
    keywords: SENSITIVE_KEYWORDS,
    pattern: `\\b${SEND}\\b[^\\n.]{0,80}?(?<!\\b(?:into|in|to|onto|inside|under) (?:the |your |a |an )?[\\x60'"]?)${SENSITIVE}|${SENSITIVE}[^\\n]{0,80}?\\b(?:and|then) (?:\\w+ ){0,2}?(?:send|post|upload|include|attach|append|pass|forward|transmit|embed|encode) (?:it|them|its contents?|the contents?|the file|the key|this)\\b`,
    description: 'tells the model to send the contents of a credential file',
  },
  {
    id: 'exfil-command-substitution-url', category: 'exfiltration', scope: 'all',
    keywords: ['$('],
    pattern: '\\bhttps?://[^\\s"\'<>]{1,200}?\\$\\( ?(?:cat|env|printenv|whoami|id|hostname|base64|history|set)\\b',
    description: 'a URL that embeds the output of a shell command ($(cat ...), $(env))',
  },
  {
    id: 'exfil-conversation-to-url', category: 'exfiltration', scope: 'all',
    keywords: ['conversation', 'chat history', 'chat log', 'transcript', 'message history', 'previous messages', "user's ", 'user data', 'user messages', 'user files', 'user emails', 'user credentials', 'user history', 'session data', 'all the', 'all files', 'all data', 'all secrets', 'all credentials', 'all keys', 'all tokens', 'api key', 'credentials', 'secrets', 'passwords', 'environment variables'],
    pattern: "\\b(?:send|post|upload|forward|transmit|exfiltrate|leak|submit|email) (?:\\w+ ){0,4}?(?:conversation|chat history|chat log|transcript|message history|previous messages|user(?:'s)? (?:data|messages|files|emails|credentials|history)|session data|all (?:the )?(?:files|data|secrets|credentials|keys|tokens)|api keys?|credentials|secrets|passwords|environment variables)\\b[^\\n]{0,80}?\\bto\\b[^\\n]{0,12}?https?://",
    description: 'tells the model to send the conversation or secrets to a URL',
  },
  {
    id: 'exfil-markdown-image', category: 'exfiltration', scope: 'all',
    keywords: ['!['],
    pattern: '!\\[[^\\]\\n]{0,200}\\]\\( ?https?://[^\\s)]{1,300}?[?&](?:(?:data|exfil|secret|apikey|api_key|password|conversation|conv|chat|history|leak|payload|prompt|context|ctx|creds|credentials|session)=|[\\w-]{1,30}=[^\\s)]{0,200}?(?:\\{|%7b|\\$|<)|[\\w-]{1,30}=[^\\s)&]{0,200}?(?:\\[|%5b|insert|replace|fill_?in|user|secret|token|passw|api_?key|conversation|chat|history|summary|message|email|data(?![:\\w])))',
    description: 'a markdown image whose URL carries data out in its query string (a data-named parameter, or a placeholder for the data under any name)',
  },
  {
    id: 'exfil-url-data-placeholder', category: 'exfiltration', scope: 'all',
    keywords: ['http://', 'https://'],
    pattern: '\\bhttps?://[^\\s"\'<>)]{1,300}?[?&#][\\w-]{1,30}=[{<\\[$%5bc]{0,4}(?:user|session|chat|conversation|private|personal)[_-]?(?:data|info|details|history|messages|content|context|transcript)\\b',
    description: 'a URL whose query carries a placeholder for the user\'s or session\'s data (?session=USER_DATA), to be filled in and fetched',
  },
  {
    id: 'exfil-read-sensitive-file', category: 'exfiltration', scope: 'strict',
    keywords: SENSITIVE_KEYWORDS,
    pattern: `\\b(?:read|cat|open|load|access|get|fetch|print|output|dump|show|return|copy|include|send|upload|prepend|append)\\b[^\\n]{0,60}?${SENSITIVE}`,
    description: 'tells the model to read a credential or agent-config file',
  },
  // ── tool-description poisoning ────────────────────────────────────────
  {
    id: 'poison-important-tag', category: 'tool_poisoning', scope: 'all', weight: 'weak',
    keywords: ['important>'],
    pattern: '<\\/?important>',
    description: 'an <IMPORTANT> block, the classic tool-poisoning wrapper',
  },
  {
    id: 'poison-conceal-from-user', category: 'tool_poisoning', scope: 'all',
    keywords: ['user about', 'user this', 'user these', 'user that', 'user must', 'user should', 'from the user', 'from user'],
    pattern: "\\b(?:do not|don't|never|must not) (?:tell|inform|notify|mention (?:this |these instructions |it )?to|reveal (?:this |these instructions |it )?to) (?:the )?user (?:about )?(?:this|these instructions|that you)\\b|\\bthe user (?:must|should) (?:not|never) (?:know|see|be told|find out)\\b|\\b(?:hide|conceal) (?:this|these instructions) from (?:the )?user\\b",
    description: 'tells the model to keep its actions from the user',
  },
  {
    id: 'poison-conceal-strict', category: 'tool_poisoning', scope: 'strict',
    keywords: ['user'],
    pattern: "\\b(?:do not|don't|never|must not) (?:tell|inform|notify|alert|mention|show|let) (?:\\w+ )?(?:to )?(?:the )?user\\b|\\bwithout (?:telling|informing|notifying|alerting|asking) (?:the )?user\\b|\\bkeep (?:this|it) (?:secret |hidden )?from (?:the )?user\\b",
    description: 'a description that tells the model not to tell the user',
  },
  {
    id: 'poison-before-using', category: 'tool_poisoning', scope: 'strict',
    keywords: ['before'],
    pattern: '\\bbefore (?:using|calling|invoking|running|executing|returning|summarizing|summarising|responding|answering|you use|you call|any other) (?:this |the |any )?(?:tool|function|\\w+ data|\\w+)?\\b[^\\n]{0,30}?\\b(?:read|call|invoke|run|execute|send|include|fetch|open|access|cat|pass|upload)\\b',
    description: 'a precondition that makes the model do something first ("before using this tool, read ...")',
  },
  {
    id: 'poison-prefer-this-tool', category: 'tool_poisoning', scope: 'strict',
    keywords: ['instead of', 'supersede', 'preferred tool', 'replaces', 'overrides'],
    pattern: '\\buse this tool instead of\\b|\\binstead of (?:the |any )?(?:built-in|builtin|default|native|original|other|standard) [\\w.-]{1,40}|\\bsupersedes? (?:any |all |the )?(?:default|built-in|builtin|other|existing|native)\\b|\\bpreferred tool\\b|\\b(?:replaces|overrides) (?:the |any )?(?:built-in|builtin|default|native) ',
    description: 'makes the model prefer this tool over the built-in ones',
  },
  {
    id: 'poison-cross-tool-shadow', category: 'tool_poisoning', scope: 'strict',
    keywords: ['when', 'pass'],
    pattern: `\\bwhen (?:the user|you|the agent|the assistant) (?:asks? to |wants? to |tries? to |is about to |are about to )?(?:use|call|invoke|run) (?:the )?${TOOL_NAME} (?:tool|function)\\b[^\\n]{0,40}?\\b(?:first|always|must|instead|also)\\b|\\bpass (?:the )?(?:full|entire|complete|whole|raw) (?:email|message|conversation|file|document|chat|body|contents?|text|history)\\b`,
    description: 'changes how another tool is used, or routes whole messages through this one',
  },
  {
    id: 'poison-secret-tag', category: 'tool_poisoning', scope: 'strict',
    keywords: ['<system', '<instruction', '<secret', '<hidden'],
    pattern: '<\\/?(?:system|instructions?|secret|hidden)>',
    description: 'an instruction block wrapped in a pseudo-tag inside a description',
  },
  ...INTENT_PATTERNS,
];
