/**
 * Homoglyph tokens: Latin mixed with Cyrillic or Greek look-alikes inside a word, or
 * next to a Cyrillic/Greek word made only of letters that render as Latin. Ordinary
 * Russian and Greek text, accented Latin and mixed-language compounds are not flagged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasMixedScript } from '../../../src/inspect/injection/mixed-script.js';

test('flagged: look-alike letters inside Latin words and paths', () => {
  for (const t of [
    'c\u0430t /\u0435tc/p\u0430sswd', // Cyrillic а and е, the corpus case
    'curl https://p\u0430ypal.com/login',
    '\u0397ello world', // Greek capital eta
    'rm -rf /h\u043eme/user', // Cyrillic о
    'ls /\u0435\u043e\u0441/passwd', // a Cyrillic word of look-alikes only, next to Latin
    'IGNORE PREVI\u041eUS', // Cyrillic capital О
  ])
    assert.ok(hasMixedScript(t), JSON.stringify(t));
});

test('not flagged: one script per word, accents, mixed-language compounds, single Greek letters', () => {
  for (const t of [
    'cat /etc/passwd',
    'Привет, как дела? Это обычный русский текст.',
    'Москва — столица России',
    'Η Αθήνα είναι η πρωτεύουσα της Ελλάδας',
    'café, naïve, über, São Paulo, Ærø, Łódź',
    'Windows-сервер, SQL-запрос, IT-отдел, PDF-файл',
    'купить iPhone 15 в Москве',
    'β-blocker, α-helix, γ-ray, 2πr',
    '日本語のテキスト and English',
    '',
  ])
    assert.ok(!hasMixedScript(t), JSON.stringify(t));
});
