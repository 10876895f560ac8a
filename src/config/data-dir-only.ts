/**
 * The data directory of a config that does not load. Emergency commands (`sluice
 * revoke`, `sluice audit`) need only that, and a bad edit must not stand between an
 * operator and revoking a leaked token while the gate keeps serving the old policy.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isMap, isScalar, parseDocument } from 'yaml';

/**
 * `data_dir` as the file states it (relative to the file's folder, as the loader
 * resolves it), read from the YAML without the schema; else the file's folder, where
 * `sluice init` puts the config and `data_dir: .` means. Null when the file cannot be
 * read at all or states a data_dir that is not a plain string.
 *
 * @example
 * dataDirDespiteErrors('/srv/sluice/sluice.yaml'); // '/srv/sluice'
 */
export function dataDirDespiteErrors(file: string): { dir: string; from: 'data_dir' | 'folder' } | null {
  const abs = resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch {
    return null;
  }
  const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false });
  const root = doc.contents;
  if (!isMap(root)) return { dir: dirname(abs), from: 'folder' };
  const values = root.items.filter((p) => isScalar(p.key) && p.key.value === 'data_dir').map((p) => p.value);
  if (values.length === 0) return { dir: dirname(abs), from: 'folder' };
  // Two data_dir keys, or one that is not a string: guessing could revoke in the wrong place.
  const only = values.length === 1 ? values[0] : undefined;
  if (!isScalar(only) || typeof only.value !== 'string' || only.value === '') return null;
  return { dir: resolve(dirname(abs), only.value), from: 'data_dir' };
}
