/**
 * Ordinary outbound traffic that looks like encoded data and must pass DLP: git object
 * ids, UUIDs, lockfile integrity hashes (this repository's own package-lock.json),
 * data: image URIs of real PNG icons found on this machine, real minified bundles,
 * certificate fingerprints, and clean archives, pushes and UTF-16 text. Each case says
 * where it came from.
 *
 * @example
 * benignDlpCases().length // a few hundred, kind 'benign'
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { DetectionCase } from './case.js';
import { PLACEMENTS, upload } from './dlp-placements.js';
import { gitPushBody, tar, zip } from './dlp-containers.js';

const GEN = 'bench/detection/benign-dlp.ts';

/** Files under `dir` (depth-first, sorted) whose name passes `want`, at most `max`. */
function findFiles(dir: string, want: (name: string, size: number) => boolean, max: number, out: string[] = []): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return out;
  }
  for (const n of names) {
    if (out.length >= max) break;
    const p = join(dir, n);
    let st;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    if (st.isDirectory()) findFiles(p, want, max, out);
    else if (want(n, st.size)) out.push(p);
  }
  return out;
}

const h = (s: string, algo = 'sha1'): string => createHash(algo).update(s).digest('hex');
const uuid = (i: number): string => {
  const x = h(`uuid${i}`, 'sha256');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-4${x.slice(13, 16)}-a${x.slice(17, 20)}-${x.slice(20, 32)}`;
};

export function benignDlpCases(): DetectionCase[] {
  const out: DetectionCase[] = [];
  const add = (category: string, placement: string, source: string, input: DetectionCase['input'], n: number): void => {
    out.push({ id: `dlp/benign/${category}/${placement}/${n}`, scanner: 'dlp', kind: 'benign', category, placement, source, input });
  };
  const placements = Object.keys(PLACEMENTS);
  for (let i = 0; i < 80; i++) {
    const oid = h(`commit ${i}`);
    const place = placements[i % placements.length] as string;
    add(
      'git-oid',
      place,
      GEN,
      (PLACEMENTS[place] as (typeof PLACEMENTS)[string])(`${oid} refs/heads/feature-${i}\n${h(`tree ${i}`)} ${h(`parent ${i}`).slice(0, 12)}`),
      i,
    );
    add('uuid', place, GEN, (PLACEMENTS[place] as (typeof PLACEMENTS)[string])(`request ${uuid(i)} for ${uuid(i + 1000)}`), i);
    add(
      'hash-fingerprint',
      place,
      GEN,
      (PLACEMENTS[place] as (typeof PLACEMENTS)[string])(`SHA256 Fingerprint=${h(`cert${i}`, 'sha256').toUpperCase().match(/../g)?.join(':')}`),
      i,
    );
  }
  // the lockfile of this repository, in slices as a package manager would send them
  try {
    const lock = readFileSync('package-lock.json', 'utf8');
    for (let i = 0, n = 0; i < lock.length && n < 60; i += 8192, n++) {
      add(
        'lockfile',
        n % 2 ? 'body-json' : 'text',
        'package-lock.json',
        {
          method: 'POST',
          url: '/-/npm/v1/security/audits',
          headers: { 'content-type': n % 2 ? 'application/json' : 'text/plain' },
          body: n % 2 ? JSON.stringify({ lock: lock.slice(i, i + 8192) }) : lock.slice(i, i + 8192),
        },
        n,
      );
    }
  } catch {
    // not run from the repository root: no lockfile cases
  }
  for (let i = 0; i < 30; i++) {
    const sri = `sha512-${createHash('sha512').update(`pkg${i}`).digest('base64')}`;
    add(
      'lockfile',
      'text',
      GEN,
      PLACEMENTS.text?.(
        `"node_modules/pkg-${i}": {\n  "version": "1.${i}.0",\n  "resolved": "https://registry.npmjs.org/pkg-${i}/-/pkg-${i}-1.${i}.0.tgz",\n  "integrity": "${sri}"\n},\nchecksum = "${h(`crate${i}`, 'sha256')}"\n    --hash=sha256:${h(`wheel${i}`, 'sha256')}\n`,
      ) ?? {},
      100 + i,
    );
  }
  // Prose in other scripts and with accents (translated manual pages): look-alikes and
  // accents fold only inside a token that mixes scripts, and must find nothing here.
  let m = 0;
  for (const lang of ['cs', 'de', 'es', 'fr', 'hu', 'pl', 'pt_BR', 'ru', 'sr', 'sv', 'tr', 'ja']) {
    const pages = findFiles(`/usr/share/man/${lang}/man1`, (n, size) => n.endsWith('.gz') && size > 1_000 && size < 60_000, 8);
    for (const p of pages) {
      const text = gunzipSync(readFileSync(p)).toString('utf8');
      const place = m % 2 === 0 ? 'text' : 'body-json';
      add('i18n-prose', place, p, PLACEMENTS[place]?.(text) ?? {}, m++);
    }
  }
  const pngs = findFiles('/usr/share/icons', (n, size) => n.endsWith('.png') && size > 400 && size < 200_000, 200);
  pngs.forEach((p, i) => {
    const uri = `data:image/png;base64,${readFileSync(p).toString('base64')}`;
    const place = i % 3 === 0 ? 'body-json' : i % 3 === 1 ? 'text' : 'websocket';
    const body =
      place === 'body-json'
        ? JSON.stringify({
            model: 'vision-1',
            messages: [
              {
                role: 'user',
                content: [
                  { type: 'image_url', image_url: { url: uri } },
                  { type: 'text', text: 'what is in this icon?' },
                ],
              },
            ],
          })
        : `<img src="${uri}" alt="icon">`;
    add(
      'data-image-uri',
      place,
      p,
      place === 'websocket'
        ? { url: '/ws', messages: [body] }
        : { method: 'POST', url: '/v1/chat', headers: { 'content-type': place === 'body-json' ? 'application/json' : 'text/html' }, body },
      i,
    );
    if (i < 60) add('binary-image', 'multipart', p, PLACEMENTS.multipart?.(readFileSync(p)) ?? {}, i);
  });
  const bundles = [
    ...findFiles('/root/.rustup/toolchains', (n, size) => n.endsWith('.min.js') && size > 4000, 12),
    ...findFiles('node_modules', (n, size) => /\.(min|bundle|umd)\.c?js$/.test(n) && size > 4000 && size < 4_000_000, 80),
  ];
  bundles.forEach((p, i) => {
    const js = readFileSync(p, 'utf8').slice(0, 256 * 1024);
    add(
      'minified-js',
      i % 2 ? 'text' : 'multipart',
      p,
      i % 2
        ? { method: 'PUT', url: `/assets/app.${i}.js`, headers: { 'content-type': 'application/javascript' }, body: js }
        : (PLACEMENTS.multipart?.(js) ?? {}),
      i,
    );
  });
  // real code pushed and uploaded: compiled files of the packages installed here
  const code = findFiles('node_modules', (n, size) => /\.(m?js|ts)$/.test(n) && !n.endsWith('.d.ts') && size > 2000 && size < 300_000, 240);
  for (let i = 0; i + 2 < code.length; i += 3) {
    const files = code.slice(i, i + 3).map((p) => ({ name: p.replace(/^node_modules\//, ''), data: readFileSync(p) }));
    add(
      'source-push',
      'body',
      files.map((f) => f.name).join(' '),
      upload(gitPushBody(files), 'application/x-git-receive-pack-request', '/org/repo.git/git-receive-pack'),
      i / 3,
    );
    add(
      'source-upload',
      i % 2 ? 'multipart' : 'text',
      files[0]?.name ?? '',
      i % 2 ? (PLACEMENTS.multipart?.(files[0]?.data ?? '') ?? {}) : upload(gzipSync(tar(files)), 'application/gzip'),
      i / 3,
    );
  }
  for (let i = 0; i < 20; i++) {
    const files = [
      { name: 'src/main.ts', data: `export const id = '${uuid(i)}';\nconsole.log('build ${h(`b${i}`)}');\n` },
      { name: 'README.md', data: `# project ${i}\n\nSee docs. Commit ${h(`c${i}`)}.\n` },
    ];
    add('clean-git-push', 'body', GEN, upload(gitPushBody(files), 'application/x-git-receive-pack-request', '/org/repo.git/git-receive-pack'), i);
    add('clean-archive', 'body', GEN, upload(i % 3 === 0 ? zip(files) : i % 3 === 1 ? gzipSync(tar(files)) : tar(files), 'application/octet-stream'), i);
    add(
      'utf16-text',
      'text',
      GEN,
      PLACEMENTS.text?.(Buffer.from(`Quarterly report ${i}: revenue grew; see ticket ${uuid(i)} and build ${h(`u${i}`)}.`, 'utf16le'), 'utf-16le') ?? {},
      i,
    );
  }
  return out;
}
