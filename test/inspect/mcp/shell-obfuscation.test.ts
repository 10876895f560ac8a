/**
 * Obfuscated command words in MCP tool-call arguments: the public
 * agent-egress-bench shell-obfuscation cases (read-only, never edited), a list of
 * ordinary developer commands that must not fire, and attack variants beyond the
 * corpus, technique by technique.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseJsonRpc } from '../../../src/inspect/mcp/jsonrpc.js';
import { readToolCall } from '../../../src/inspect/mcp/messages.js';
import { scanShellArgs, shellObfuscations } from '../../../src/inspect/mcp/shell-obfuscation.js';
import type { ShellTechnique } from '../../../src/inspect/mcp/shell-obfuscation.js';
import { tokenizeShell } from '../../../src/inspect/mcp/shell-words.js';
import { lexShell } from '../../../src/inspect/mcp/chain-shell-lex.js';
import { MAX_ANALYSED } from '../../../src/inspect/mcp/chain-classify.js';

const DIR = '/work/shared/conformance/agent-egress-bench/cases/shell-obfuscation';

interface Case {
  id: string;
  expected_verdict: 'block' | 'allow';
  payload: { jsonrpc_messages: unknown[] };
}

test('agent-egress-bench shell-obfuscation cases: every verdict as expected, findings carry no argument value', { skip: !existsSync(DIR) }, () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
  assert.ok(files.length >= 7, `expected the 7 shell-obfuscation cases, found ${files.length}`);
  const lines: string[] = [];
  for (const file of files) {
    const c = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Case;
    const findings = [];
    for (const raw of c.payload.jsonrpc_messages) {
      const parsed = parseJsonRpc(JSON.stringify(raw));
      assert.ok(parsed.ok, c.id);
      for (const m of parsed.messages) {
        const call = readToolCall(m);
        assert.ok(call !== null && typeof call !== 'string', `${c.id}: a well-formed tools/call`);
        const found = scanShellArgs(call.args, call.name);
        const text = JSON.stringify(found);
        for (const v of Object.values(call.args)) if (typeof v === 'string') assert.ok(!text.includes(v), `${c.id}: no argument value in a finding`);
        findings.push(...found);
      }
    }
    const verdict = findings.some((f) => f.action === 'block') ? 'block' : 'allow';
    lines.push(`${c.id}: ${verdict} (${findings.map((f) => f.type).join(', ') || 'no findings'})`);
    assert.equal(verdict, c.expected_verdict, c.id);
  }
  console.log(lines.join('\n'));
});

const ORDINARY = [
  'ls -la /home/user/projects',
  'git log --oneline -n 20',
  'git commit -m "fix: handle {a,b} in paths"',
  'git show HEAD^:README.md',
  "git log --format='%H %s' --since='2 weeks ago'",
  'git commit --allow-empty -m \'\'',
  'npm run build && npm test',
  'npx tsc -p tsconfig.json && node --test dist/test/',
  'grep -rn "foo\\(bar\\)" src/',
  "grep -E '^\\s*(import|export)\\b' src/index.ts",
  "rg --json 'fn\\s+\\w+\\(' src",
  "grep -c '' file.txt",
  "sed -i 's/\\bfoo\\b/bar/g' file.txt",
  "sed -n '1,20p' notes.md",
  "find . -name '*.ts' -exec grep -l TODO {} \\;",
  'find . -type f -name "*.log" -exec rm {} +',
  "printf '%s\\n' \"$PATH\"",
  'echo \'{"a": [1,2], "b": {"c": "d"}}\' | jq .b',
  "curl -s -H 'Content-Type: application/json' -d '{\"x\":1}' http://localhost:3000/api",
  'dir C:\\Users\\me\\projects',
  'C:\\Python311\\python.exe -m pip install requests',
  '.\\node_modules\\.bin\\eslint.cmd src',
  'node_modules\\.bin\\tsc --version',
  'echo $HOME',
  'for f in *.ts; do echo "$f"; done',
  'for f in src/*.{ts,tsx}; do wc -l "$f"; done',
  'for i in {1..3}; do echo $i; done',
  'while IFS= read -r line; do echo "$line"; done < files.txt',
  'IFS=, read -ra parts <<< "a,b,c"; echo "${parts[1]}"',
  "cp src/{a,b}.ts /tmp/",
  'mkdir -p build/{debug,release}',
  'echo {1..5}',
  '\\rm -f build.log',
  '"$(git rev-parse --show-toplevel)/scripts/build.sh" --fast',
  '$(npm bin)/eslint .',
  '"$(which python3)" -m venv .venv',
  '"$HOME/.local/bin/poetry" install',
  './scripts/run\\ tests.sh',
  '${PYTHON:-python3} -m pytest -q',
  '"${0%/*}/helper.sh" --check',
  'eval "$(ssh-agent -s)"',
  'eval "$(pyenv init -)"',
  'bash -c "$(curl -fsSL https://raw.githubusercontent.com/Homebrew/install/HEAD/install.sh)"',
  "sh -c 'cd /app && npm ci'",
  'docker run --rm -v "$PWD":/src -w /src node:20 npm test',
  "docker exec -it db sh -c \"psql -U postgres -c '\\dt'\"",
  "python3 -c 'import sys; print(sys.version)'",
  'python3 - <<\'EOF\'\nimport re\nprint(re.sub(r"\\d+", "N", "a1b22"))\nEOF',
  'cat > notes.md <<EOF\nRun `npm test` first, then r\\m the build dir\nEOF',
  '[[ $branch =~ ^(feature|fix)/[a-z0-9-]+$ ]] && echo ok',
  '[[ "$v" =~ ^([a-z]\\w+)$ ]] && echo match',
  '[ -f package.json ] && npm install',
  'test -d node_modules || npm ci',
  "awk -F, '{print $1}' data.csv",
  "awk '{ if ($3 > 10) print $0 }' file",
  "perl -pe 's/\\r\\n/\\n/' in.txt > out.txt",
  'xargs -I{} cp {} /tmp/backup/ < files.txt',
  'ls | xargs -n1 basename',
  "kubectl get pods -o jsonpath='{.items[*].metadata.name}'",
  'git diff HEAD~1 -- src/',
  'echo "Price: \\$5"',
  'cd "$(dirname "$0")" && ./build.sh',
  'time npm run build',
  'sudo apt-get install -y jq',
  'env NODE_ENV=production node server.js',
  'NODE_OPTIONS=--max-old-space-size=4096 npm run build',
  'if [ -n "$CI" ]; then npm ci; else npm install; fi',
  'case "$1" in start|stop) echo "$1";; *.ts) echo ts;; *) echo usage;; esac',
  'f() { echo hi; }; f',
  '(cd frontend && npm run build)',
  'echo ｈｅｌｌｏ',
  'echo "naïve café"',
  'tar -czf backup-$(date +%Y%m%d).tar.gz src/',
  "ssh deploy@host 'ls -la /var/log'",
  'openssl rand -base64 32',
  'echo "$TOKEN_B64" | base64 -d | jq .',
  "cat install.sh | tr -d '\\r' | bash",
  'curl -fsSL https://deno.land/install.sh | sh',
  'base64 -d payload.b64 > payload.bin && bash build.sh',
  'make -j$(nproc)',
  "go test ./... -run 'Test(Foo|Bar)'",
  "jq -r '.[] | \"\\(.name)\\t\\(.version)\"' deps.json",
  'echo -e "line1\\nline2"',
  "pip install 'requests>=2,<3'",
  'cargo build --release 2>&1 | tail -n 20',
  'ls -d */',
  'python3 -m http.server 8000 &',
  'export PATH="$HOME/.cargo/bin:$PATH" && cargo --version',
  'source .venv/bin/activate && pytest',
  '. ~/.nvm/nvm.sh && nvm use 20',
  'git stash push -m "wip: {draft}"',
  'diff <(sort a.txt) <(sort b.txt)',
  '$EDITOR notes.txt',
  'mv "file with spaces.txt" renamed.txt',
  "echo 'It'\"'\"'s'",
  'x=1; echo $((x + 1))',
  'count=0; ((count++)); echo $count',
  'for ((i = 0; i < 3; i++)); do echo $i; done',
  'select opt in a b; do echo $opt; break; done',
  '[[ -z "${VAR:-}" ]] && echo unset',
  'VENV=.venv; $VENV/bin/python -m pip install -r requirements.txt',
  'Get-ChildItem -Path C:\\Users\\me -Recurse | Where-Object { $_.Length -gt 1MB }',
  'Get-Process | ? { $_.CPU -gt 100 }',
  '[Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("hi"))',
  'powershell -Command "Get-ChildItem -Path C:\\Users"',
  'for %f in (*.txt) do type %f',
  'npm version patch -m "Bump to %s"',
  'echo "$(whoami)@$(hostname)"',
  'git log --grep="r\\m" --oneline',
  "find . -name '*.py' -print0 | xargs -0 python3 -m black",
  'ls -la | tee /tmp/listing.txt',
  'echo done # r\\m is only a comment here',
  'ls "C:\\Program Files\\nodejs"',
  '"C:\\Program Files\\nodejs\\node.exe" --version',
];

test('ordinary developer commands: nothing fires', () => {
  assert.ok(ORDINARY.length >= 40);
  const fired = ORDINARY.map((c) => [c, shellObfuscations(c)] as const).filter(([, t]) => t.length > 0);
  assert.deepEqual(fired, [], 'ordinary commands flagged');
  assert.deepEqual(scanShellArgs({ command: 'git status', cwd: '/repo' }, 'run_command'), []);
  assert.deepEqual(scanShellArgs({ path: 'r\\m', content: '$\'\\162\\155\' {rm,}' }, 'write_file'), [], 'no command argument, no scan');
});

const ATTACKS: Array<[string, ShellTechnique]> = [
  ["r''m -rf /", 'empty_quotes'],
  ['r""m -rf /', 'empty_quotes'],
  ["'r'm -rf /", 'quote_splitting'],
  ["w'h'o'am'i", 'quote_splitting'],
  ['python"3" -c "print(1)"', 'quote_splitting'],
  ['c\\u\\r\\l http://evil.test', 'backslash_escape'],
  ['/bin/r\\m -rf /', 'backslash_escape'],
  ['\\r\\m -rf /', 'backslash_escape'],
  ['cu\\rl http://evil.test', 'backslash_escape'],
  ['r\\\nm -rf /', 'backslash_escape'],
  ['$(echo rm) -rf /', 'command_substitution'],
  ["$(printf '\\x72\\x6d') -rf /", 'command_substitution'],
  ['`echo rm` -rf /', 'command_substitution'],
  ["$(rev<<<'mr') -rf /", 'command_substitution'],
  ['w$()hoami', 'command_substitution'],
  ['$(echo cm0= | base64 -d) -rf /', 'command_substitution'],
  ['{rm,-rf,/}', 'brace_expansion'],
  ['{cat,/etc/passwd}', 'brace_expansion'],
  ["$'\\x72\\x6d' -rf /", 'ansi_c_string'],
  ["$'\\u0072m' -rf /", 'ansi_c_string'],
  ["$'rm' -rf /", 'ansi_c_string'],
  ['$"rm" -rf /', 'ansi_c_string'],
  ['x=rm; $x -rf /', 'variable_command'],
  ['a=r;b=m;$a$b -rf /', 'variable_command'],
  ['export C=curl; $C http://evil.test', 'variable_command'],
  ['X=$(echo rm); "$X" -rf /', 'variable_command'],
  ['a=(r m); ${a[0]}${a[1]} -rf /', 'parameter_expansion'],
  ['cat${IFS}/etc/passwd', 'ifs_manipulation'],
  ['IFS=_; c=cat_/etc/passwd; $c', 'ifs_manipulation'],
  ['who$@ami', 'parameter_expansion'],
  ['r${u}m -rf /', 'parameter_expansion'],
  ['w${*}hoami', 'parameter_expansion'],
  ['x=RM; ${x,,} -rf /', 'parameter_expansion'],
  ['x=mrx; ${x:0:2} -rf /', 'parameter_expansion'],
  ['${!v} -rf /', 'parameter_expansion'],
  ['/???/??t /etc/passwd', 'glob_command'],
  ['/bin/c[a]t /etc/shadow', 'glob_command'],
  ['ｃｕｒｌ http://evil.test', 'unicode_compat'],
  ['𝐫𝐦 -rf /', 'unicode_compat'],
  ['r\u200bm -rf /', 'invisible_char'],
  ['\u0441url http://evil.test', 'homoglyph'],
  ['w^h^o^a^m^i', 'caret_escape'],
  ['sudo r\\m -rf /', 'backslash_escape'],
  ["env r''m -rf /", 'empty_quotes'],
  ["nohup $'\\x72\\x6d' -rf / &", 'ansi_c_string'],
  ['echo ok; r\\m -rf /', 'backslash_escape'],
  ['true && {rm,-rf,/}', 'brace_expansion'],
  ['if true; then r\\m -rf /; fi', 'backslash_escape'],
  ['ls | while read f; do r\\m "$f"; done', 'backslash_escape'],
  ["sh -c 'r\\m -rf /'", 'backslash_escape'],
  ['bash -lc "r\'\'m -rf /"', 'empty_quotes'],
  ["eval 'r\\m -rf /'", 'backslash_escape'],
  ['echo $(r\\m -rf /)', 'backslash_escape'],
  ['echo "`r\\m -rf /`"', 'backslash_escape'],
  ["find / -name x -exec r''m {} \\;", 'empty_quotes'],
  ["xargs r''m < list.txt", 'empty_quotes'],
  ["bash <<< 'r\\m -rf /'", 'backslash_escape'],
  ['bash <<EOF\nr\\m -rf /\nEOF', 'backslash_escape'],
  ["docker exec app sh -c 'r\\m -rf /'", 'backslash_escape'],
  ['case x in x) r\\m -rf /;; esac', 'backslash_escape'],
  ['echo cm0gLXJmIC8= | base64 -d | sh', 'decode_to_shell'],
  ['base64 -d <<< cm0gLXJmIC8= | bash', 'decode_to_shell'],
  ['eval "$(echo cm0gLXJmIC8K | base64 --decode)"', 'decode_to_shell'],
  ['bash -c "$(xxd -r -p <<< 726d202d7266202f)"', 'decode_to_shell'],
  ["printf '\\x72\\x6d\\x20\\x2d\\x72\\x66' | sh", 'decode_to_shell'],
  ['bash <<< $(base64 -d <<< cm0gLXJmIC8=)', 'decode_to_shell'],
  ['source <(echo cm0gLXJmIC8= | base64 -d)', 'decode_to_shell'],
  ["echo 'ez -es /' | tr 'A-Za-z' 'N-ZA-Mn-za-m' | sh", 'decode_to_shell'],
  ["eval $'\\x72\\x6d -rf /'", 'ansi_c_string'],
  ["echo 'r\\m -rf /' | sh", 'backslash_escape'],
  ["printf 'r\\x6d -rf /' | bash", 'decode_to_shell'],
  ["sh -c '$0 -rf /' rm", 'variable_command'],
  ["bash -c '$1 http://evil.test' _ curl", 'variable_command'],
  ["'/bin/r'm -rf /", 'quote_splitting'],
  ['/bin/"r"m -rf /', 'quote_splitting'],
  ["e\\val 'id'", 'backslash_escape'],
  ['"ba""sh" -c id', 'quote_splitting'],
  ["x=$'\\x72\\x6d'; $x -rf /", 'variable_command'],
  ["b=bas; ${b}h -c 'id'", 'variable_command'],
  ["r$'\\x6d' -rf /", 'ansi_c_string'],
  ["c''a''t /etc/passwd", 'empty_quotes'],
  ["curl$IFS'http://evil.test'", 'ifs_manipulation'],
  ['(r\\m -rf /)', 'backslash_escape'],
  ['{ r\\m -rf /; }', 'backslash_escape'],
  ['time r\\m -rf /', 'backslash_escape'],
  ["bash -c 'eval \"$(echo cm0= | base64 -d)\"'", 'decode_to_shell'],
  ['cmd=(npm run build); "${cmd[@]}"', 'variable_command'],
];

test('attack variants beyond the corpus: each names its technique', () => {
  const missed = ATTACKS.filter(([c, t]) => !shellObfuscations(c).includes(t)).map(([c, t]) => `${t}: ${JSON.stringify(c)} → ${shellObfuscations(c).join(',') || 'nothing'}`);
  assert.deepEqual(missed, []);
});

test('scanShellArgs: which keys, the finding shape, no value in it', () => {
  const canary = 'r\\m -rf /canary-7f3a9';
  const f = scanShellArgs({ command: canary }, 'exec');
  assert.deepEqual(f, [{ type: 'shell_obfuscation:backslash_escape', location: 'mcp.args:command', action: 'block', detail: 'backslash_escape in the command word' }]);
  assert.ok(!JSON.stringify(f).includes('canary'));
  assert.equal(scanShellArgs({ cmd: "r''m x" })[0]?.location, 'mcp.args:cmd');
  assert.equal(scanShellArgs({ script: "r''m x" })[0]?.location, 'mcp.args:script');
  assert.equal(scanShellArgs({ Command: "r''m x" })[0]?.location, 'mcp.args:Command');
  assert.equal(scanShellArgs({ commands: ['ls', "r''m x"] })[0]?.location, 'mcp.args:commands');
  assert.equal(scanShellArgs({ command: 'bash', args: ['-c', 'r\\m -rf /'] })[0]?.type, 'shell_obfuscation:backslash_escape', 'argv appended to the command');
  assert.equal(scanShellArgs({ command: ['sh', '-c', '{rm,-rf,/}'] })[0]?.type, 'shell_obfuscation:brace_expansion', 'an argv array');
  assert.equal(scanShellArgs({ args: 'r\\m -rf /' }, 'run_shell')[0]?.location, 'mcp.args:args', 'args of a shell-named tool');
  assert.equal(scanShellArgs({ input: 'r\\m -rf /' }, 'terminal')[0]?.location, 'mcp.args:input');
  assert.deepEqual(scanShellArgs({ args: 'r\\m -rf /' }, 'search_docs'), [], 'args of another tool are not a command');
  assert.deepEqual(scanShellArgs({ command: 42, script: null }), []);
  assert.deepEqual(scanShellArgs({ command: 'decode_to_shell' }), []);
  const d = scanShellArgs({ command: 'echo cm0gLXJmIC8= | base64 -d | sh' });
  assert.deepEqual(d.map((x) => x.detail), ['decode_to_shell: decoded text is run as shell code']);
});

test('bounded: deep nesting, long input and unterminated quoting read without error', () => {
  const deep = `${'$('.repeat(5000)}r\\m${')'.repeat(5000)}`;
  assert.doesNotThrow(() => shellObfuscations(deep));
  const evals = `${"eval '".repeat(50)}r\\m${"'".repeat(50)}`;
  assert.doesNotThrow(() => shellObfuscations(evals));
  for (const s of ["echo 'unterminated", 'echo "unterminated $(', 'echo `x', 'cat <<EOF\nno end', '${', "$'", '\\', '((', 'x=(', 'a\\']) assert.doesNotThrow(() => shellObfuscations(s), s);
  const padded = `${'echo ok; '.repeat(25_000)}r\\m -rf /`;
  assert.ok(padded.length < MAX_ANALYSED);
  assert.deepEqual(shellObfuscations(padded), ['backslash_escape'], 'every word of a line within MAX_ANALYSED is read');
  const long = `${'echo ok; '.repeat(30_000)}r\\m -rf /`;
  assert.deepEqual(shellObfuscations(long), [], 'past MAX_ANALYSED the line is not read');
  assert.deepEqual(scanShellArgs({ command: long }).map((f) => [f.type, f.action]), [['shell_obfuscation:not_analysed', 'warn']], 'and the finding says so');
});

test('the word reader keeps what the chain lexer cooks away', () => {
  const [w] = tokenizeShell("r''m");
  assert.ok(w?.t === 'word');
  assert.deepEqual(w.parts, [{ kind: 'lit', text: 'r' }, { kind: 'sq', text: '' }, { kind: 'lit', text: 'm' }]);
  assert.deepEqual(lexShell("r''m")[0]?.words, ['rm'], 'the chain lexer still cooks');
  const sub = tokenizeShell('$(echo rm) -rf')[0];
  assert.ok(sub?.t === 'word' && sub.parts[0]?.kind === 'sub' && sub.parts[0].body.length === 2);
});
