/**
 * Values documentation puts where a secret would go, class by class, found as false
 * positives on the benign corpus (bench/detection): each benign sample passes the body
 * scanner, and a real secret in the same place and shape is still blocked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DlpScanner } from '../../../src/inspect/dlp/index.js';
import { jwtExpired } from '../../../src/inspect/dlp/validators/jwt.js';
import { isSequence, looksHandTyped, sequentialShare } from '../../../src/inspect/dlp/validators/sequence.js';
import { isCodeExpression, isEncodedText, looksLikeCode } from '../../../src/inspect/dlp/validators/code-like.js';
import { isPlaceholder } from '../../../src/inspect/dlp/validators/placeholder.js';
import { ALNUM, URLSAFE, fk } from './fakes.js';

const dlp = new DlpScanner();

/** The blocking finding types for `text` sent as a request body (UTF-8 bytes, as at the gate). */
function blocked(text: string, contentType = 'text/plain; charset=utf-8'): string[] {
  const body = dlp.bodyScanner(contentType);
  const out = [...body.push(Buffer.from(text, 'utf8')), ...body.end()];
  return out.filter((f) => f.action === 'block').map((f) => f.type);
}

test("CLI metavariables and option names in a value's place are not secrets (man pages, --help)", () => {
  // as `man` renders a CLI reference: U+2010 hyphens where a line breaks a word
  const page = [
    '       gcloud sql export tde INSTANCE --certificate=CERTIFICATE',
    '          --pvk-path=PVK_PATH (--prompt-for-pvk-pass\u2010',
    '          word | --pvk-password=PVK_PASSWORD) [--async]',
    '          [--automated-backup-encryption-key=AUTO\u2010',
    '          MATED_BACKUP_ENCRYPTION_KEY : --automated-backup-encryp\u2010',
    '          tion-key-keyring=AUTOMATED_BACKUP_ENCRYPTION_KEY_KEYRING]',
    '          [--existing-seed-phrase-reference-secret=EXISTING_SEED_PHRASE_REFERENCE_SECRET]',
    '       --private-key=LOCAL_FILE_PATH',
    '          Path to a local private key file.',
  ].join('\n');
  assert.deepEqual(blocked(page), []);
  for (const v of ['PVK_PASSWORD', 'LOCAL_FILE_PATH', 'S3_BUCKET_NAME', 'CONTINUOUS_BACKUP_ENCRYP\u2010']) assert.ok(isPlaceholder(v), v);
  for (const v of ['--automated-backup-encryp\u2010', '--seed-phrase-reference-export', '-keyring']) assert.ok(looksLikeCode(v), v);
  // the same options given real values
  assert.deepEqual(blocked('gcloud sql export tde db1 --pvk-password=Kx9!mQ2vR7pL'), ['generic_password']);
  assert.deepEqual(blocked(`gcloud compute ssl-certificates create c1 --private-key=${fk(32)}`), ['generic_secret']);
  assert.deepEqual(blocked(`--private-key=${fk(12, 'ABCDEFGHJKLMNPQRSTUVWXYZ')}_${fk(12, ALNUM)}`), ['generic_secret']);
  for (const v of ['PVK_Password9x', 'K7X2_9QZ4_MMP3', 'Q7VD2MXR9LKP4STB']) assert.ok(!isPlaceholder(v), v);
  for (const v of ['-Zq8vK2mXr9LkP4sTbW8y', '--x7k2-9qz4']) assert.ok(!looksLikeCode(v), v);
});

test('a placeholder word with a counter is not a password (secret123, password1)', () => {
  assert.deepEqual(blocked("const obj = { username: 'john', password: 'secret123' }"), []);
  assert.deepEqual(blocked('DB_PASSWORD=password1\nAPI_TOKEN=test_2024\n'), []);
  for (const v of ['secret123', 'password1', 'test_2024', 'example-42']) assert.ok(isPlaceholder(v), v);
  // a word with more than a counter, or a real password, is still one
  assert.deepEqual(blocked("const obj = { username: 'john', password: 'secret123!Kq' }"), ['generic_password']);
  assert.deepEqual(blocked("const obj = { username: 'john', password: 'Fake-Pass-2026!' }"), ['generic_password']);
  for (const v of ['secretary77', 'secret12345', 'hunter2hunter2']) assert.ok(!isPlaceholder(v), v);
});

test('a value typed in sequences is a format example, not a token; generated ones are not', () => {
  const doc = 'options: {\n  chatId: -1234567890,\n  botToken: "123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11",\n}';
  assert.deepEqual(blocked(doc), []);
  assert.ok(looksHandTyped('123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11'));
  assert.deepEqual(blocked(`options: {\n  botToken: "${fk(40, URLSAFE)}",\n}`), ['generic_token']);
  assert.deepEqual(blocked(`client_secret = "${fk(24)}"`), ['generic_secret']);
  // key material drawn at random almost never steps through its alphabet (the validator's premise)
  let handTyped = 0;
  for (let i = 0; i < 20_000; i++) if (looksHandTyped(fk(20 + (i % 24), i % 2 === 0 ? ALNUM : URLSAFE))) handTyped++;
  assert.ok(handTyped <= 2, `${handTyped} of 20000 random values read as typed by hand`);
  for (const v of ['xyz', '123', 'abcdef', '654321', 'ZYX']) assert.ok(isSequence(v), v);
  for (const v of ['ab1', 'xy', 'abd', '1234a']) assert.ok(!isSequence(v), v);
  assert.equal(sequentialShare('short'), 0);
});

test('percent-encoded words under a token name are text (a pkcs11: URI), an encoded key is not', () => {
  assert.deepEqual(blocked('pkcs11:token=Root%20CA%20Certificates;serial=1%3AROOTS%3ADEFAULT;model=1%2E0;manufacturer=Mozilla'), []);
  assert.ok(isEncodedText('Root%20CA%20Certificates'));
  const key = fk(32);
  assert.ok(!isEncodedText(`${key}%20x`));
  assert.deepEqual(blocked(`pkcs11:token=${key}%20x;serial=1`), ['generic_token']);
  assert.deepEqual(blocked(`?auth_token=${fk(20)}%2B${fk(12)}&x=1`), ['generic_token']);
});

test('a URL password equal to its user, or a typed sequence, is a default, not a secret', () => {
  const doc = [
    'node app.js | pino-mq -u "amqp://guest:guest@localhost/" -q "pino-logs"',
    "const myURL = new URL('https://abc:xyz@example.com');",
    '// Prints https://abc:123@example.com/',
    'ftp://admin:admin@files.internal/',
  ].join('\n');
  assert.deepEqual(blocked(doc), []);
  assert.deepEqual(blocked(`amqp://guest:${fk(16)}@localhost/`), ['amqp_url']);
  assert.deepEqual(blocked("new URL('https://abc:Xq7pLm2v@example.com')"), ['url_credentials']);
  assert.deepEqual(blocked('postgres://app:FakePass123@db.example.com:5432/app'), ['postgres_url']);
  assert.deepEqual(blocked('redis://:guest@cache.example.com:6379'), ['redis_url']); // no user: a password all the same
});

test('a JWT expired more than a day ago is no credential; a live one, or one with no exp, is', () => {
  const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  const jwt = (claims: Record<string, unknown>): string =>
    `${enc({ typ: 'JWT', alg: 'RS256', kid: fk(20) })}.${enc({ iss: 'https://dev-tenant.auth.example/', sub: `${fk(32)}@clients`, aud: 'https://expenses-api', gty: 'client-credentials', ...claims })}.${fk(342, URLSAFE)}`;
  const expired = jwt({ iat: 1572006954, exp: 1572006964 });
  const live = jwt({ iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 3600 });
  const noExp = jwt({ iat: 1572006954 });
  for (const shape of [
    (t: string) => `    token = "${t}"\n`,
    (t: string) => `curl -H "Authorization: Bearer ${t}" https://api.example.com/`,
    (t: string) => `{"id_token":"${t}"}`,
  ]) {
    assert.deepEqual(blocked(shape(expired)), [], shape(''));
    assert.ok(blocked(shape(live)).length > 0, `live token passed in ${shape('')}`);
    assert.ok(blocked(shape(noExp)).length > 0, `token with no exp passed in ${shape('')}`);
  }
  const now = Date.UTC(2026, 0, 1);
  assert.ok(jwtExpired(`${enc({ alg: 'HS256' })}.${enc({ exp: now / 1000 - 2 * 86400 })}.s`, now));
  assert.ok(!jwtExpired(`${enc({ alg: 'HS256' })}.${enc({ exp: now / 1000 - 3600 })}.s`, now), 'within the day of grace');
  assert.ok(!jwtExpired(`${enc({ alg: 'HS256' })}.${enc({ exp: '1572006964' })}.s`, now), 'exp not a number');
  assert.ok(!jwtExpired(`${enc({ alg: 'HS256' })}.not-json.s`, now));
});

test('references to where a secret is kept, and settings made of words, are not key material', () => {
  for (const line of [
    'gcloud builds triggers update webhook my-trigger --secret=projects/my-project/secrets/my-secret/versions/2',
    'secret_arn: arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf',
    '# systemd-nspawn -i foo.raw --set-credential=passwd.plaintext-password.root:foo',
    '# systemd-nspawn --image=... --set-credential=firstboot.locale:de_DE.UTF-8 ...',
    'Token=prefixstable:2002:da8:1::',
  ])
    assert.deepEqual(blocked(line), [], line);
  for (const v of [
    'projects/my-project/secrets/my-secret/versions/1',
    'passwd.plaintext-password.root:foo',
    'firstboot.locale:de_DE.UTF-8',
    'prefixstable:2002:da8:1::',
  ])
    assert.ok(looksLikeCode(v), v);
  // the same names given key material
  assert.deepEqual(blocked(`--secret=${fk(10, 'abcdefghijklmnopqrstuvwxyz')}/${fk(24)}`), ['generic_secret']);
  assert.deepEqual(blocked(`--set-credential=passwd.root:${fk(28, URLSAFE)}`), ['generic_token']);
  assert.deepEqual(blocked(`secret_arn: arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf\nclient_secret: ${fk(24)}\n`), ['generic_secret']);
  for (const v of ['Kq8vR2mX/pL4sTbW/8yZ1nHc', 'ABCD-EFGH-IJKL-MNOP', 'ab3d-9f2k-x7q1-m2p8', 'firstboot.locale:Zq8vK2mXr9LkP4s', 'xkqzw.trvbn:plmqz'])
    assert.ok(!looksLikeCode(v), v);
});

test('prose and typesetting after a password name: the sentence goes on, or the man page breaks a word', () => {
  const doc = [
    '  lsof: status error on /etc/security/passwd: Permission denied',
    '              • -storepasswd: Changes the store password of a keystore',
    '          ers=[KEY=VALUE,...] --mask-headers=MASK_HEADERS --password=PASS\u2010',
    '              WORD --path=PATH',
    '           it returned password=secr3t.',
    '  The URI <http://fred:fredpassword@exam\u2010',
    '       ple.com:8080/> logs in as fred',
  ].join('\n');
  assert.deepEqual(blocked(doc), []);
  for (const v of ['PASS\u2010', 'secr3t', 'secr3t.', 'p@ssw0rd', 'passw0rd1']) assert.ok(isPlaceholder(v), v);
  // a real password is still one: followed by a comment, not a sentence; a word with digits; a dot inside
  assert.deepEqual(blocked('password: Sunshine # the initial one\n'), ['generic_password']);
  assert.deepEqual(blocked('it returned password=Kx9!mQ2vR7pL.\n'), ['generic_password']);
  assert.deepEqual(blocked('http://fred:fredKx9mQ2vR7@example.com/'), ['url_credentials']);
  for (const v of ['PASSWORD1X\u2010x', 'Kx9mQ2vR7pL.', 'secr3tive-Qx7!']) assert.ok(!isPlaceholder(v), v);
});

test('an unquoted name that is called, indexed or typed is an expression in code, a literal is a value', () => {
  const code = [
    "const _password = kdfInputToBytes(password, 'password');",
    'return { username: userPass[1], password: userPass[2] };',
    'const schema = z.object({ password: z.string().min(6), confirm: z.string() });',
    'type Client = { client_secret: z.ZodOptional<z.ZodString>; };',
    'ChallengePassword = __decorate([AsnType({ type: AsnTypeTypes.Choice })], ChallengePassword);',
  ].join('\n');
  assert.deepEqual(blocked(code, 'application/javascript'), []);
  // the same places holding literals, or a value cut at a bracket that is not a name made of words
  assert.deepEqual(blocked("const _password = 'Kx9!mQ2vR7pL';", 'application/javascript'), ['generic_password']);
  assert.deepEqual(blocked('password=Kx9mQ2(vR7pL\n'), ['generic_password']);
  assert.deepEqual(blocked(`type Client = { client_secret: "${fk(24)}"(); };`, 'application/javascript'), ['generic_secret']);
  assert.ok(isCodeExpression('kdfInputToBytes', '(', ' = ') && isCodeExpression('z.ZodOptional', '<', ': '));
  assert.ok(!isCodeExpression('kdfInputToBytes', '(', ": '") && !isCodeExpression('Kx9mQ2', '(', '=') && !isCodeExpression('userPass', ',', ': '));
});

test('names with short numbers are code where code marks them: called (toUint8Array), or reached with ?. (optional chaining)', () => {
  // found on the AWS SDK's own source (bench/detection source-push): an HMAC class and a client's config
  const code = [
    'constructor(secret) { if (secret) { this.secret = toUint8Array(secret); } }',
    'const sessionAuth = { disableSessionAuth: config?.disableS3ExpressSessionAuth ?? loadNodeConfig(NODE_OPTIONS) };',
    'const opts = { token: session?.credentials?.sessionToken2 };',
    'exports.SignatureV4SignWithCredentials = SignatureV4SignWithCredentials;',
  ].join('\n');
  assert.deepEqual(blocked(code, 'application/javascript'), []);
  assert.ok(isCodeExpression('toUint8Array', '(', ' = ') && isCodeExpression('hash.sha256', '(', ': '));
  // still values: a literal (quoted), a random run called, a random run after `?.` is not a chain of words
  assert.deepEqual(blocked(`this.secret = "${fk(24)}";`, 'application/javascript'), ['generic_secret']);
  // a value that only ends like its name is still one
  assert.deepEqual(blocked(`exports.SignWithCredentials = ${fk(24)}Credentials;`, 'application/javascript'), ['generic_token']);
  assert.ok(!isCodeExpression('q7Vd2mXr9LkP4sTbW8yZ', '(', ' = '));
  assert.ok(!looksLikeCode('config?.q7Vd2mXr9LkP4sTbW8yZ1nHc'));
  assert.deepEqual(blocked(`const auth = { Auth: x?.q7Vd2mXr9LkP4sTbW8yZ1nHc6Jf3 };`, 'application/javascript'), ['generic_token']);
});
