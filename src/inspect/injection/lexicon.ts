/**
 * Words for the language-independent intent signals (intents.ts), in the twelve
 * languages agents meet most: en, es, fr, de, pt, it, ru, zh, ja, ko, ar, hi.
 * Each list is the stems of one idea, written as a speaker writes them, folded at
 * load time the way normalize.ts folds text (diacritics off, look-alike letters
 * to ASCII, lower case), so "précédentes" and "precedentes" are one word and a
 * Cyrillic word matches however it is folded.
 *
 * Stems, not whole words: "ignor" covers ignore, ignora, ignorez, ignoriere,
 * игнорируй is its own entry. Scripts without spaces (zh, ja) have no word
 * boundaries, so no list relies on \b.
 */
import { CONFUSABLES } from './confusables.js';

/** Fold a word the way normalizeText folds text, leaving regex syntax (ASCII) alone. */
export function fold(s: string): string {
  return s
    .replace(/[\u0080-\uffff]+/g, (run) => {
      const t = run
        .normalize('NFKC')
        .normalize('NFD')
        .replace(/[\u0300-\u036f]/g, '')
        .normalize('NFC');
      return [...t]
        .map((c) => {
          const l = (CONFUSABLES.get(c) ?? c).toLowerCase();
          return CONFUSABLES.get(l) ?? l;
        })
        .join('');
    })
    .toLowerCase();
}

/** Folded, deduplicated, longest first (the alternation prefers the longer word). */
const list = (words: readonly string[]): readonly string[] => [...new Set(words.map(fold))].sort((a, b) => b.length - a.length);
/** A regex alternation of words (a space is one space: normalised text has single spaces). */
export const alt = (words: readonly string[]): string => words.map((w) => w.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|');

/** Verbs of setting instructions aside, and "no longer applies". */
// The word lists below keep several words to a line (the formatter would put one a line).
// prettier-ignore
export const IGNORE = list([
  'ignore', 'ignoring', 'disregard', 'forget', 'set aside', 'pay no attention to', 'put aside', 'throw out', 'discard', 'no longer appl',
  'are void', 'is void', 'are obsolete', 'is obsolete', 'are cancelled', 'is cancelled', 'can be discarded',
  'ignora', 'ignore', 'olvida', 'olvide', 'olvid', 'descarta', 'omite', 'haz caso omiso', 'no hagas caso', 'no hagan caso', 'no prestes atencion', 'no sigas', 'deja de seguir', 'ya no aplica', 'ya no son valid',
  'ignorez', 'oublie', 'oubliez', 'ne tiens pas compte', 'ne fais pas attention', 'fais abstraction', 'ne tenez pas compte', 'ne suis plus', "ne s'appliquent plus", 'ne sont plus valable',
  'ignorier', 'vergiss', 'vergessen sie', 'missachte', 'gelten nicht mehr', 'nicht mehr gultig', 'befolge nicht', 'beachte nicht',
  'ignore', 'ignorar', 'esqueca', 'esqueça', 'desconsidere', 'despreze', 'nao se aplicam mais', 'não valem mais', 'deixe de seguir', 'nao siga', 'nao de atencao',
  'ignora', 'dimentica', 'non seguire', 'non considerare', 'non tenere conto', 'non valgono piu', 'non sono piu valid', 'trascura',
  'игнорируй', 'игнорируйте', 'проигнорируй', 'забудь', 'забудьте', 'не обращай внимания', 'больше не действуют', 'больше не применяются', 'отмени', 'не следуй',
  '忽略', '忽视', '无视', '忘记', '忘掉', '不再适用', '不要遵守', '不再有效', '不要理会', '别管',
  '無視', '忘れて', 'もう適用されません', '従わないで', '無効です', '気にしないで',
  '무시', '잊어', '더 이상 적용되지', '따르지 마', '신경 쓰지 마',
  'تجاهل', 'انس', 'انسَ', 'لم تعد سارية', 'لا تتبع', 'تغاضى عن',
  'अनदेखा', 'नज़रअंदाज़', 'नजरअंदाज', 'भूल जाओ', 'भूल जाएं', 'अब लागू नहीं', 'पालन न करें',
]);

/** Instructions, rules, guidance, the prompt. */
// prettier-ignore
export const INSTRUCTIONS = list([
  'instruction', 'everything above', 'everything before this', 'everything you were told', 'guidance', 'guideline', 'rules', 'directive', 'directions', 'orders', 'system prompt', 'prompt', 'programming', 'constraints',
  'instrucciones', 'indicaciones', 'reglas', 'directrices', 'normas', 'ordenes', 'consignas',
  'instructions', 'consignes', 'regles', 'directives',
  'anweisung', 'vorgaben', 'regeln', 'richtlinien', 'befehle',
  'instrucoes', 'orientacoes', 'regras', 'diretrizes',
  'istruzioni', 'regole', 'indicazioni', 'direttive',
  'инструкци', 'указани', 'правил', 'директив', 'промпт',
  '指令', '指示', '规则', '说明', '提示词', '指引',
  '指示', 'ルール', '命令', 'プロンプト', '規則',
  '지시', '지침', '규칙', '명령', '프롬프트',
  'التعليمات', 'تعليمات', 'القواعد', 'الأوامر', 'الإرشادات',
  'निर्देश', 'नियम', 'आदेश', 'प्रॉम्प्ट',
]);

/** What makes "the instructions" the model's own or earlier ones. */
// prettier-ignore
export const EARLIER = list([
  'previous', 'prior', 'earlier', 'above', 'preceding', 'original', 'initial', 'you were given', 'your', 'system',
  'anteriores', 'previas', 'precedentes', 'de arriba', 'originales', 'iniciales', 'que te dieron', 'antes', 'tus',
  'precedentes', 'precedents', 'ci-dessus', 'anterieures', 'initiales', 'tes', 'vos',
  'vorherigen', 'bisherigen', 'fruheren', 'obigen', 'ursprunglichen', 'deine',
  'anteriores', 'previas', 'acima', 'originais', 'suas',
  'precedenti', 'sopra', 'originali', 'iniziali', 'tue',
  'предыдущ', 'прежн', 'выше', 'исходн', 'свои',
  '之前', '以前', '上面', '先前', '原来',
  'これまで', '以前', '上記', '前の',
  '이전', '위의', '기존',
  'السابقة', 'الأصلية', 'أعلاه',
  'पिछले', 'पहले', 'ऊपर',
]);

/** Verbs of showing or printing. */
// prettier-ignore
export const REVEAL = list([
  'revela', 'muestra', 'imprime', 'repite', 'escribe',
  'revele', 'révèle', 'montre', 'affiche', 'imprime', 'repete', 'divulgue',
  'gib', 'zeige', 'zeig', 'drucke', 'wiederhole', 'verrate', 'offenbare',
  'revele', 'mostre', 'imprima', 'repita', 'exiba',
  'rivela', 'mostra', 'stampa', 'ripeti',
  'покажи', 'выведи', 'раскрой', 'повтори', 'напечатай',
  '输出', '显示', '透露', '泄露', '打印', '重复', '告诉我',
  '表示', '出力', '教えて', '見せて', '繰り返',
  '출력', '보여', '공개', '알려', '반복',
  'اكشف', 'أظهر', 'اعرض', 'اطبع', 'كرر',
  'दिखाएँ', 'दिखाएं', 'दिखाओ', 'बताएं', 'बताओ', 'प्रकट', 'प्रिंट',
]);

/** The model's own prompt. */
// prettier-ignore
export const SYSTEM_PROMPT = list([
  'system prompt', 'system message', 'initial instructions', 'hidden instructions',
  'prompt de sistema', 'prompt del sistema', 'instrucciones del sistema',
  'prompt systeme', 'instructions systeme', 'invite systeme',
  'systemprompt', 'system-prompt', 'systemanweisung',
  'prompt do sistema', 'instrucoes do sistema',
  'prompt di sistema', 'istruzioni di sistema',
  'системный промпт', 'системные инструкции', 'системное сообщение', 'системного промпта',
  '系统提示', '系统指令', '系统消息',
  'システムプロンプト', 'システム指示',
  '시스템 프롬프트', '시스템 지시',
  'موجه النظام', 'تعليمات النظام', 'رسالة النظام',
  'सिस्टम प्रॉम्प्ट', 'सिस्टम निर्देश',
]);

/** Verbs of sending data somewhere. */
// prettier-ignore
export const SEND = list([
  'send', 'post', 'upload', 'forward', 'transmit', 'exfiltrate', 'email', 'e-mail', 'submit', 'include it', 'request to', 'leak',
  'envia', 'envie', 'enviar', 'manda', 'sube', 'reenvia',
  'envoie', 'envoyez', 'transmets', 'televerse', 'transfere',
  'sende', 'senden', 'schicke', 'schick', 'ubermittle', 'lade',
  'envie', 'mande', 'encaminhe', 'transmita',
  'invia', 'inviare', 'manda', 'inoltra', 'carica',
  'отправь', 'отправьте', 'перешли', 'пошли', 'загрузи', 'передай',
  '发送', '发到', '上传', '转发', '提交',
  '送信', '送って', 'アップロード', '転送',
  '보내', '전송', '업로드',
  'أرسل', 'ارسل', 'حمّل', 'انقل',
  'भेजें', 'भेजो', 'भेज', 'अपलोड',
]);

/** Secrets and private data. */
// prettier-ignore
export const SECRET = list([
  'password', 'passphrase', 'api key', 'api-key', 'apikey', 'access token', 'session token', 'token', 'credential', 'secret', 'private key', 'cookie', 'conversation', 'chat history', '.env', 'id_rsa', 'ssh key',
  'contrasena', 'clave api', 'clave de api', 'credenciales', 'token de acceso', 'historial',
  'mot de passe', 'cle api', 'identifiants', 'jeton',
  'passwort', 'kennwort', 'api-schlussel', 'zugangsdaten', 'anmeldedaten',
  'senha', 'chave de api', 'chave api', 'credenciais',
  'chiave api', 'credenziali',
  'пароль', 'пароли', 'api-ключ', 'ключ api', 'токен', 'учетные данные',
  '密码', '密钥', '凭据', '令牌', '凭证',
  'パスワード', 'apiキー', '認証情報', 'トークン',
  '비밀번호', '암호', 'api 키', '자격 증명', '토큰',
  'كلمة المرور', 'كلمات المرور', 'مفتاح api', 'بيانات الاعتماد',
  'पासवर्ड', 'api कुंजी', 'क्रेडेंशियल',
]);

/** Whose secrets: someone other than the reader being told about their own key. */
// prettier-ignore
export const THIRD_PARTY = list([
  'user', 'the conversation', 'this session', 'the session', 'your context',
  'usuario', 'utilisateur', 'benutzer', 'nutzer', 'usuario', 'utente', 'пользовател', '用户', 'ユーザー', '사용자', 'المستخدم', 'उपयोगकर्ता',
]);
