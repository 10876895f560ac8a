/**
 * `sluice run --print-env`: what the run changes in the command's environment, as
 * shell-style lines, with the token in every proxy URL masked (it is a bearer
 * credential for the session; the rest is paths and addresses).
 */

/** `http://sluice:<token>@h:p` → `http://sluice:****@h:p`, wherever it appears in a value. */
export function maskProxyAuth(value: string): string {
  return value.replace(/(:\/\/[^:/@\s]*:)[^@\s]+@/g, '$1****@');
}

/**
 * @example
 * process.stdout.write(describeEnv(process.env, launch.env, true));
 */
export function describeEnv(before: NodeJS.ProcessEnv, after: NodeJS.ProcessEnv, isolated: boolean): string {
  const lines = [`# sluice run: ${isolated ? 'isolated (bubblewrap; network: the gate only)' : 'not isolated'}`];
  for (const k of Object.keys(after).sort()) {
    if (before[k] !== after[k]) lines.push(`${k}=${maskProxyAuth(after[k] ?? '')}`);
  }
  for (const k of Object.keys(before).sort()) if (!(k in after)) lines.push(`unset ${k}`);
  return `${lines.join('\n')}\n`;
}
