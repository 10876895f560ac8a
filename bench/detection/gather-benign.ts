/**
 * Gathers the real-document half of the benign corpus from this machine: package
 * READMEs and docs in node_modules, Debian documentation under /usr/share/doc
 * (READMEs, text, Markdown, HTML, gzipped changelogs), and man pages rendered to
 * text with `man -P cat`. Thousands of files are not committed: the manifest
 * (corpus/benign-manifest.json, committed) records where each document came from,
 * and the documents are copied into bench/.cache/benign (gitignored) on first run.
 *
 *   node dist/bench/detection/gather-benign.js            # build the cache from the manifest
 *   node dist/bench/detection/gather-benign.js --refresh  # rediscover and rewrite the manifest
 *
 * A manifest entry whose file is missing on another machine is skipped and counted,
 * so the corpus degrades visibly rather than silently.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

export interface ManifestEntry {
  /** Stable id: category and a short hash of the source. */
  id: string;
  category: 'npm-readme' | 'npm-doc' | 'debian-doc' | 'man-page';
  /** `node_modules/<path>`, an absolute path, or `man:<file>`. */
  source: string;
  contentType: string;
}

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const MANIFEST = join(ROOT, 'bench/detection/corpus/benign-manifest.json');
export const CACHE = join(ROOT, 'bench/.cache/benign');
// eslint-disable-next-line no-control-regex -- backspace is what groff overstrikes with
const BACKSPACED = /.\x08/g;
const MIN = 300;
const MAX = 256 * 1024;
const CAPS = { 'npm-readme': 320, 'npm-doc': 200, 'debian-doc': 380, 'man-page': 320 } as const;

function walk(dir: string, keep: (p: string) => boolean, out: string[], depth = 0): void {
  if (depth > 8) return;
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return;
  }
  for (const n of names) {
    const p = join(dir, n);
    let st;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) walk(p, keep, out, depth + 1);
    else if (st.isFile() && keep(p)) out.push(p);
  }
}

const typeOf = (p: string): string =>
  /\.html?(?:\.gz)?$/i.test(p)
    ? 'text/html; charset=utf-8'
    : /\.(?:md|markdown)(?:\.gz)?$/i.test(p)
      ? 'text/markdown; charset=utf-8'
      : 'text/plain; charset=utf-8';
const idOf = (category: string, source: string): string => `${category}/${createHash('sha256').update(source).digest('hex').slice(0, 12)}`;

/** Read one manifest entry's document, or undefined when it is gone or too small. */
export function readSource(e: ManifestEntry): string | undefined {
  try {
    let text: string;
    if (e.source.startsWith('man:')) {
      const raw = execFileSync('man', ['-P', 'cat', e.source.slice(4)], {
        env: { ...process.env, MANWIDTH: '80', MAN_KEEP_FORMATTING: '', GROFF_NO_SGR: '1', LANG: 'C.UTF-8' },
        stdio: ['ignore', 'pipe', 'ignore'],
        maxBuffer: 8 * 1024 * 1024,
      }).toString('utf8');
      // Overstrike (bold as X\bX) from groff: keep the second character.
      text = raw.replace(BACKSPACED, '');
    } else {
      const path = e.source.startsWith('node_modules/') ? join(ROOT, e.source) : e.source;
      const buf = readFileSync(path);
      text = (path.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8');
    }
    if (text.length < MIN) return undefined;
    return text.length > MAX ? text.slice(0, MAX) : text;
  } catch {
    return undefined;
  }
}

function discover(): ManifestEntry[] {
  const found: ManifestEntry[] = [];
  const add = (category: ManifestEntry['category'], source: string, contentType: string): void => {
    found.push({ id: idOf(category, source), category, source, contentType });
  };
  const npm: string[] = [];
  walk(join(ROOT, 'node_modules'), (p) => /\.(?:md|markdown)$/i.test(p), npm);
  let readmes = 0;
  let docs = 0;
  for (const p of npm) {
    const rel = relative(ROOT, p);
    if (/readme\.md$/i.test(p)) {
      if (readmes++ < CAPS['npm-readme']) add('npm-readme', rel, typeOf(p));
    } else if (!/changelog|history|license/i.test(p) && docs++ < CAPS['npm-doc']) {
      add('npm-doc', rel, typeOf(p));
    }
  }
  const deb: string[] = [];
  walk('/usr/share/doc', (p) => /(?:readme[^/]*|\.md|\.txt|\.html?|changelog\.gz|news\.gz|faq[^/]*)$/i.test(p) && !/copyright/i.test(p), deb);
  // Take every n-th so one huge package (a docs tree) does not fill the quota.
  const stride = Math.max(1, Math.floor(deb.length / (CAPS['debian-doc'] * 1.3)));
  for (let i = 0; i < deb.length && found.filter((f) => f.category === 'debian-doc').length < CAPS['debian-doc'] * 1.3; i += stride)
    add('debian-doc', deb[i]!, typeOf(deb[i]!));
  const man: string[] = [];
  for (const sec of ['man1', 'man5', 'man7', 'man8']) walk(join('/usr/share/man', sec), (p) => /\.gz$/.test(p), man);
  const mstride = Math.max(1, Math.floor(man.length / (CAPS['man-page'] * 1.3)));
  for (let i = 0; i < man.length; i += mstride) add('man-page', `man:${man[i]!}`, 'text/plain; charset=utf-8');
  return found;
}

/** Build the cache (and with `refresh`, the manifest); returns the entries whose documents are cached. */
export function gather(refresh = false): { entries: ManifestEntry[]; missing: number } {
  mkdirSync(CACHE, { recursive: true });
  const candidates = refresh || !existsSync(MANIFEST) ? discover() : (JSON.parse(readFileSync(MANIFEST, 'utf8')) as ManifestEntry[]);
  const entries: ManifestEntry[] = [];
  const seen = new Set<string>();
  const per = new Map<string, number>();
  let missing = 0;
  for (const e of candidates) {
    if (refresh && (per.get(e.category) ?? 0) >= CAPS[e.category]) continue;
    const file = join(CACHE, `${e.id.replace('/', '_')}.txt`);
    const text = existsSync(file) ? readFileSync(file, 'utf8') : readSource(e);
    if (text === undefined) {
      missing++;
      continue;
    }
    const digest = createHash('sha256').update(text).digest('hex');
    if (seen.has(digest)) continue;
    seen.add(digest);
    if (!existsSync(file)) writeFileSync(file, text);
    per.set(e.category, (per.get(e.category) ?? 0) + 1);
    entries.push(e);
  }
  if (refresh || !existsSync(MANIFEST)) writeFileSync(MANIFEST, `${JSON.stringify(entries, null, 1)}\n`);
  return { entries, missing };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { entries, missing } = gather(process.argv.includes('--refresh'));
  const by = new Map<string, number>();
  for (const e of entries) by.set(e.category, (by.get(e.category) ?? 0) + 1);
  console.log(`benign corpus: ${entries.length} documents (${[...by].map(([k, v]) => `${k} ${v}`).join(', ')}); ${missing} unavailable`);
}
