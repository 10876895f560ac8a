/**
 * ESLint rule `sluice/module-boundaries`: holds DESIGN.md's module map ("must not"
 * column) as imports. The table is the rule's options (eslint.config.js); the rule
 * only resolves each import and looks it up, so the table reads like the design.
 *
 * Why resolve instead of `no-restricted-imports` patterns: a specifier alone is
 * ambiguous (`../mcp/x.js` is src/mcp/ from src/proxy/, but src/inspect/mcp/ from
 * src/inspect/dlp/), and one rule with one table keeps every folder's entry beside
 * the others. Static imports, `export ... from`, `import()` with a literal and
 * `import('...')` types are all checked; `import type` counts too (a type is a
 * dependency of the design even when it erases).
 *
 * Options: { root: 'src', folders: { [folder]: { why, mustNot: Target[] } }, exceptions: Exception[] }
 *   Target: 'proxy/' (a folder of root), 'net/resolve.ts' or 'logger.ts' (a file of
 *     root), 'node:fs' (a builtin and its subpaths; plain `fs` counts too), 'undici'
 *     (a package and its subpaths), or { target, allow: [names] }: the import is fine
 *     when it names only these (node:net's pure `isIP`, say).
 *   folder '*': every folder but the one the target lives in (nothing imports cli/ but cli/).
 *   Exception: { file: 'src/mcp/scan.ts', target: 'proxy/dlp-setup.ts', why }: a known
 *     violation, named so it can be removed; once the file no longer needs it the
 *     rule says so, so an exception cannot outlive its fix.
 */
import { isBuiltin } from 'node:module';
import { dirname, relative, resolve, sep } from 'node:path';

const TS_EXT = /\.(?:[cm]?[jt]s|tsx)$/;

/** @type {import('eslint').Rule.RuleModule} */
export default {
  meta: {
    type: 'problem',
    docs: { description: "Hold DESIGN.md's module map: what each src/ folder must not import" },
    schema: [{ type: 'object' }],
    messages: {
      forbidden: '{{from}} must not import {{what}}: {{why}} (DESIGN.md, "Module map")',
      stale: 'the exception for {{file}} importing {{target}} is no longer needed: remove it from eslint.config.js',
    },
  },
  create(context) {
    const opts = context.options[0] ?? {};
    const root = resolve(context.cwd, opts.root ?? 'src');
    const file = relative(root, context.filename).split(sep).join('/');
    if (file.startsWith('../') || file === '') return {};
    const folder = file.includes('/') ? file.slice(0, file.indexOf('/')) : '';
    const repoFile = relative(context.cwd, context.filename).split(sep).join('/');
    const exceptions = (opts.exceptions ?? []).filter((e) => e.file === repoFile);
    const used = new Set();

    // Every rule that binds this file: its folder's, and the ones for everyone else.
    const rules = [];
    for (const [name, entry] of Object.entries(opts.folders ?? {})) {
      if (name === folder) rules.push({ entry, targets: entry.mustNot, from: `${opts.root ?? 'src'}/${folder}/` });
      if (name === '*') rules.push({ entry, targets: entry.mustNot.filter((t) => topOf(targetOf(t)) !== folder), from: repoFile });
    }
    if (rules.length === 0) return {};

    function check(node, specifier, names) {
      const dep = dependencyOf(specifier, context.filename, root);
      if (dep === null) return;
      for (const { entry, targets, from } of rules) {
        for (const t of targets) {
          const target = targetOf(t);
          if (!covers(target, dep)) continue;
          if (typeof t === 'object' && names !== null && names.every((n) => t.allow.includes(n))) continue;
          const excepted = exceptions.find((e) => dep.kind === 'path' && covers(e.target, dep));
          if (excepted) {
            used.add(excepted);
            continue;
          }
          const what = dep.kind === 'path' ? `${opts.root ?? 'src'}/${dep.key}` : `'${dep.key}'`;
          context.report({ node, messageId: 'forbidden', data: { from, what, why: entry.why } });
          return;
        }
      }
    }

    return {
      ImportDeclaration(node) {
        check(node.source, node.source.value, importedNames(node));
      },
      ExportNamedDeclaration(node) {
        if (node.source)
          check(
            node.source,
            node.source.value,
            node.specifiers.map((s) => nameOf(s.local)),
          );
      },
      ExportAllDeclaration(node) {
        check(node.source, node.source.value, null);
      },
      ImportExpression(node) {
        if (node.source.type === 'Literal' && typeof node.source.value === 'string') check(node.source, node.source.value, null);
      },
      TSImportType(node) {
        const lit = node.argument?.type === 'TSLiteralType' ? node.argument.literal : null;
        if (lit && typeof lit.value === 'string') check(lit, lit.value, null);
      },
      'Program:exit'(node) {
        for (const e of exceptions) {
          if (!used.has(e)) context.report({ node, messageId: 'stale', data: { file: e.file, target: e.target } });
        }
      },
    };
  },
};

/** A table target, as a string. */
function targetOf(t) {
  return typeof t === 'string' ? t : t.target;
}

/** The folder of root a target is in ('cli/' -> 'cli'), or '' for a module or a file at root. */
function topOf(target) {
  const isPath = target.endsWith('/') || target.endsWith('.ts');
  return isPath && target.includes('/') ? target.slice(0, target.indexOf('/')) : '';
}

/** What an import names, or null when it takes the whole module (a namespace or a default). */
function importedNames(node) {
  const names = [];
  for (const s of node.specifiers) {
    if (s.type !== 'ImportSpecifier') return null;
    names.push(nameOf(s.imported));
  }
  return names;
}

function nameOf(id) {
  return id.type === 'Identifier' ? id.name : String(id.value);
}

/**
 * The dependency a specifier names: { kind: 'path', key: 'proxy/gate' } for a file
 * under root, { kind: 'module', key: 'node:fs/promises' } for a builtin or a package,
 * null for a file outside root. The key has no extension ('proxy/gate').
 */
function dependencyOf(specifier, filename, root) {
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    const key = relative(root, resolve(dirname(filename), specifier))
      .split(sep)
      .join('/')
      .replace(TS_EXT, '');
    return key.startsWith('../') ? null : { kind: 'path', key };
  }
  const bare = specifier.startsWith('node:') ? specifier : isBuiltin(specifier) ? `node:${specifier}` : specifier;
  return { kind: 'module', key: bare };
}

/**
 * Whether `target` is `dep` or contains it. Targets under root end in '/' (a folder:
 * 'proxy/') or '.ts' (a file: 'net/resolve.ts', 'logger.ts'); anything else is a
 * module ('node:fs', 'undici') and covers its subpaths ('node:fs/promises').
 */
function covers(target, dep) {
  if (target.endsWith('/')) return dep.kind === 'path' && dep.key.startsWith(target);
  if (target.endsWith('.ts')) return dep.kind === 'path' && dep.key === target.slice(0, -3);
  return dep.kind === 'module' && (dep.key === target || dep.key.startsWith(`${target}/`));
}
