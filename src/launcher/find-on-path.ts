import { stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/**
 * The first regular file called `name` in a $PATH folder, as the shell would find it
 * (the launcher's helpers, bwrap and keytool, are looked up this way); undefined when none.
 *
 * @example
 * await findOnPath('bwrap'); // '/usr/bin/bwrap'
 */
export async function findOnPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    if (
      await stat(p).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      return p;
  }
  return undefined;
}
