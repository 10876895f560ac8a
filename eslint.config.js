// Lint is part of `npm test`: strict, type-aware, zero warnings.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import moduleBoundariesRule from './lint/module-boundaries.js';

// DESIGN.md's module map, its "must not" column as imports (lint/module-boundaries.js
// says how targets are written). Modules that do I/O: files, sockets, processes, threads,
// a database, a logger.
const IO_MODULES = [
  'node:fs',
  'node:net',
  'node:http',
  'node:https',
  'node:http2',
  'node:tls',
  'node:dns',
  'node:dgram',
  'node:child_process',
  'node:worker_threads',
  'node:cluster',
  'undici',
  'better-sqlite3',
  'ws',
  'pino',
];
// Code of src/ whose job is I/O: the gate, stores, the trail, the CLI and its launcher,
// the control socket, the CA on disk, the resolver and dialer, the secret store on disk.
const IO_CODE = [
  'proxy/',
  'state/',
  'audit/',
  'runtime/',
  'admin/',
  'cli/',
  'launcher/',
  'control/',
  'tls/',
  'logger.ts',
  'net/resolve.ts',
  'net/dial.ts',
  'net/upstream-pools.ts',
  'net/routes.ts',
  'credentials/file-store.ts',
  'credentials/master-key.ts',
  'credentials/store-lock.ts',
  'credentials/atomic-write.ts',
];
const NETWORK = ['node:http', 'node:https', 'node:http2', 'node:tls', 'node:dns', 'node:dgram', 'undici', 'ws'];
// node:net's address parsers are pure; its sockets are not.
const NET_PARSERS = { target: 'node:net', allow: ['isIP', 'isIPv4', 'isIPv6'] };

export const moduleBoundaries = {
  files: ['src/**/*.ts'],
  plugins: { sluice: { rules: { 'module-boundaries': moduleBoundariesRule } } },
  rules: {
    'sluice/module-boundaries': [
      'error',
      {
        root: 'src',
        folders: {
          policy: { why: 'policy/ does no I/O (decide is a pure function)', mustNot: [...IO_MODULES, ...IO_CODE] },
          inspect: { why: 'inspect/ knows nothing of sockets and does no I/O', mustNot: [...IO_MODULES, ...IO_CODE] },
          identity: { why: 'identity/ does not know about HTTP', mustNot: ['node:http', 'node:https', 'node:http2', 'undici', 'proxy/', 'control/'] },
          mcp: { why: 'mcp/ is transport-neutral: it does not import from proxy/', mustNot: ['proxy/'] },
          state: { why: 'state/ does not know about scanners', mustNot: ['inspect/'] },
          config: {
            why: 'config/ does not reach the network',
            mustNot: [NET_PARSERS, ...NETWORK, 'net/resolve.ts', 'net/dial.ts', 'net/upstream-pools.ts', 'proxy/'],
          },
          credentials: { why: 'credentials/ never logs (a secret value must not reach a log)', mustNot: ['pino', 'logger.ts'] },
          admin: { why: 'admin/ does not reach into the pipeline: it goes through runtime/ and state/', mustNot: ['proxy/'] },
          '*': { why: 'cli/ is the command line: nothing outside it imports it (a library user needs no cli/ code)', mustNot: ['cli/'] },
        },
        // Known violations, named so they can be removed. The rule reports an exception
        // its file no longer needs, so each one goes when its fix lands.
        exceptions: [],
      },
    ],
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.sluice/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test collects these promises itself; `void test(...)` everywhere is noise.
          allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }],
        },
      ],
      '@typescript-eslint/only-throw-error': 'error',
      'no-console': 'off',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  moduleBoundaries,
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The console runs in the browser (console/app.js): its globals, not Node's.
    files: ['console/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'window',
          'document',
          'location',
          'fetch',
          'sessionStorage',
          'addEventListener',
          'removeEventListener',
          'URLSearchParams',
          'TextDecoderStream',
          'AbortController',
          'setInterval',
          'clearInterval',
          'setTimeout',
          'clearTimeout',
        ].map((g) => [g, 'readonly']),
      ),
    },
  },
);
