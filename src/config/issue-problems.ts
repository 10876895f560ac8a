/**
 * Turn zod issues into config problems that point at the YAML: the line and
 * column of the offending node, the dotted path, and the message in plain words.
 */
import type * as z from 'zod';
import type { ConfigProblem } from '../errors.js';
import { dottedPath } from './yaml-locate.js';
import type { ConfigPath, YamlLocator } from './yaml-locate.js';

/**
 * @example
 * const problems = issueProblems(result.error.issues, locator, file);
 */
export function issueProblems(issues: readonly z.core.$ZodIssue[], locator: YamlLocator, file: string): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  for (const issue of issues) {
    const path: ConfigPath = issue.path;
    if (issue.code === 'unrecognized_keys') {
      // One problem per key, each at its own line, so an editor can jump to every one.
      for (const key of issue.keys) {
        const at = locator.locateKey(path, key);
        out.push({ file, ...at, path: dottedPath([...path, key]), message: `unknown key '${key}'; ${issue.message}` });
      }
      continue;
    }
    if (issue.code === 'invalid_key') {
      // A bad map key (a `dns.hosts` name): point at the key, and use the key check's own words.
      const key = path[path.length - 1];
      const at = key === undefined ? locator.locate(path) : locator.locateKey(path.slice(0, -1), String(key));
      out.push({ file, ...at, path: dottedPath(path), message: issue.issues[0]?.message ?? issue.message });
      continue;
    }
    let message = issue.message;
    const firstAt = issue.code === 'custom' ? (issue.params as { firstAt?: unknown } | undefined)?.firstAt : undefined;
    if (Array.isArray(firstAt)) {
      // `firstAt` is relative to the same node as the issue's own path suffix (the list, for rule ids).
      const firstPath = [...path.slice(0, path.length - firstAt.length), ...(firstAt as PropertyKey[])];
      const first = locator.locate(firstPath);
      message += first ? ` (first at line ${first.line})` : ` (first at ${dottedPath(firstPath)})`;
    }
    out.push({ file, ...locator.locate(path), path: dottedPath(path), message });
  }
  return out;
}
