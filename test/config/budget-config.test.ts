import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../src/config/load.js';
import { CONFIG_FILE, configProblems } from '../helpers/config-problems.js';

const FILE = CONFIG_FILE;

const problems = configProblems;

void test('budgets and llm load with windows, durations and defaults', () => {
  const { config } = parseConfig(
    [
      'version: 1',
      'rules:',
      '  - { id: llm, hosts: [api.openai.com] }',
      'budgets:',
      '  s: { calls: 3 }',
      '  t: { per: tenant, window: 24h, tokens: 1000, cost: 2.5, on_exhausted: pause, rules: [llm] }',
      '  u: { per: agent, time: 90m, bytes_out: 1000000 }',
      'llm:',
      '  apis: [{ host: "*.openai.azure.com", style: openai, path: /openai/ }]',
      '  prices: { "gpt-4o*": { input: 2.5, output: 10 } }',
    ].join('\n'),
    FILE,
  );
  assert.deepEqual(config.budgets, {
    s: { per: 'session', window: 'life', on_exhausted: 'refuse', calls: 3 },
    t: { per: 'tenant', window: 86_400_000, on_exhausted: 'pause', rules: ['llm'], tokens: 1000, cost: 2.5 },
    u: { per: 'agent', window: 'life', on_exhausted: 'refuse', time: 5_400_000, bytes_out: 1_000_000 },
  });
  assert.deepEqual(config.llm, {
    apis: [{ host: '*.openai.azure.com', style: 'openai', path: '/openai/' }],
    detect_by_path: true,
    prices: { 'gpt-4o*': { input: 2.5, output: 10 } },
  });
  const empty = parseConfig('version: 1\n', FILE).config;
  assert.deepEqual([empty.budgets, empty.llm.apis, empty.llm.prices], [{}, [], {}]);
});

void test('each mistake in budgets and llm is refused at its line, saying what was expected', () => {
  assert.deepEqual(
    problems([
      'version: 1',
      'rules:',
      '  - { id: llm, hosts: [api.openai.com] }',
      'budgets:',
      '  a: { per: workflow, tokens: 100 }',
      '  b: { per: session }',
      '  c: { window: 1h, time: 30m }',
      '  d: { calls: 3, rules: [nope] }',
      '  e: { cost: -1, window: forever }',
      '  f: { calls: 2.5, window: 0s }',
      '  "bad name": { calls: 1 }',
      'llm:',
      '  apis: [{ host: api.x.com, style: mistral }]',
      '  prices: { gpt-4o: { input: 2.5 } }',
    ]),
    [
      "5:13 budgets.a.per: expected one of session, agent, tenant; got 'workflow'",
      '6:6 budgets.b: a budget caps at least one of calls, writes, bytes_in, bytes_out, time, input_tokens, output_tokens, tokens, cost',
      "7:26 budgets.c.time: 'time' counts from the account's first call, so it needs window: life",
      "8:26 budgets.d.rules[0]: no rule with id 'nope'",
      '9:14 budgets.e.cost: expected an amount of money (a number, 0 or more); got -1',
      "9:26 budgets.e.window: expected 'life' (the account's whole life) or a duration like 1h or 24h; got 'forever'",
      '10:15 budgets.f.calls: expected a whole number from 1 to 9007199254740991; got 2.5',
      "10:28 budgets.f.window: expected a window longer than 0, like 1h, or 'life'",
      "11:3 budgets[\"bad name\"]: expected a name made of letters, digits, '.', '_' or '-'; got 'bad name'",
      "13:36 llm.apis[0].style: expected one of openai, anthropic, gemini; got 'mistral'",
      '14:21 llm.prices["gpt-4o"].output: expected a price per million output tokens (a number, 0 or more); got nothing',
    ],
  );
});
