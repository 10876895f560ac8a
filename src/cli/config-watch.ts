import { realpathSync, unwatchFile, watchFile, type Stats } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { loadConfig } from '../config/load.js';
import type { Gate } from '../proxy/gate.js';
import { startWarnings } from './start-warnings.js';

/** How often the config and the secret store are looked at: a change takes effect within this and the 150 ms settle time. */
const POLL_MS = 500;

/**
 * Hot reload: on a change to the config file or the secret store beside it, and on
 * SIGHUP, load the file and hand it to the gate. An invalid file is reported with its
 * lines and the running policy stays.
 *
 * The files are polled (a `stat` every POLL_MS), not watched with inotify: editors
 * replace files, so an inotify watch has to be on the folder, and the folder usually
 * holds the audit and state databases too (the data directory defaults to the config's
 * folder). Every commit of theirs (hundreds a second under load) then woke the event
 * loop with an event to read and throw away. A poll sees a replaced file (a new inode),
 * a symlink repointed (a Kubernetes ConfigMap), an edit in place and a file that comes
 * back after a delete, at a cost that does not grow with the traffic.
 *
 * @example
 * const stop = watchConfig(gate, '/etc/sluice/sluice.yaml', logger, (line) => process.stderr.write(line));
 */
export function watchConfig(gate: Gate, file: string, logger: Logger, report: (line: string) => void): () => void {
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  const reload = (why: string): void => {
    running = running.then(async () => {
      try {
        const loaded = await loadConfig(file);
        const r = await gate.reload(loaded);
        if (r.ok && r.changed) {
          report(`sluice: policy reloaded (${why}): version ${r.version}, ${loaded.config.rules.length} rule(s)\n`);
          if (r.restartNeeded.length > 0) {
            report(`sluice: NOT applied until a restart (the gate still uses the values it started with): ${r.restartNeeded.join(', ')}\n`);
          }
          for (const w of await startWarnings(loaded)) report(`sluice: warning: ${w}\n`);
        }
        // A SIGHUP is a question ("did my edit take?"); a file event with the same bytes
        // (a touch, secrets.json) is not, and stays quiet.
        else if (r.ok && why === 'SIGHUP') report(`sluice: config unchanged (SIGHUP): still serving version ${r.version}\n`);
        else if (!r.ok) report(`sluice: policy reload rejected (${why}); still serving ${r.version}:\n${r.error.message}\n`);
      } catch (err) {
        logger.error({ err, config: file }, 'policy reload rejected; the previous policy keeps serving');
        report(`sluice: policy reload rejected (${why}); still serving ${gate.policyVersion}:\n${(err as Error).message}\n`);
      }
      try {
        await gate.reloadSecrets();
      } catch (err) {
        logger.error({ err }, 'secret store reload failed; keeping the secrets already loaded');
      }
    });
  };
  // Editors write in several steps; act once things settle.
  const soon = (why: string): void => {
    clearTimeout(timer);
    timer = setTimeout(() => reload(why), 150);
  };
  // The config may be a symlink (a Kubernetes ConfigMap is): `stat` follows it, and
  // the real file is polled too, for an edit made to it directly.
  const files = new Set([file, join(dirname(file), 'secrets.json')]);
  try {
    files.add(realpathSync(file));
  } catch {
    // Missing right now (being replaced): the poll of its path sees it come back.
  }
  const onChange = (curr: Stats, prev: Stats): void => {
    if (curr.mtimeMs !== prev.mtimeMs || curr.ino !== prev.ino || curr.size !== prev.size || curr.nlink !== prev.nlink) soon('file changed');
  };
  for (const f of files) watchFile(f, { interval: POLL_MS, persistent: false }, onChange);
  const onHup = (): void => reload('SIGHUP');
  process.on('SIGHUP', onHup);
  return () => {
    clearTimeout(timer);
    for (const f of files) unwatchFile(f, onChange);
    process.off('SIGHUP', onHup);
  };
}
