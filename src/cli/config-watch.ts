import { realpathSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import { loadConfig } from '../config/load.js';
import type { Gate } from '../proxy/gate.js';
import { startWarnings } from './start-warnings.js';

/**
 * Hot reload: on a change to the config file (editors replace files, so the folder is
 * watched, not the inode) and on SIGHUP, load the file and hand it to the gate. An
 * invalid file is reported with its lines and the running policy stays.
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
  // The config may be a symlink (a Kubernetes ConfigMap is): watch its folder and the
  // real file's folder, for the names that matter. Other files there (audit.db is
  // written every few ms) must not keep resetting the debounce.
  const folders = new Set([dirname(file)]);
  const names = new Set([basename(file), '..data', 'secrets.json']);
  try {
    const real = realpathSync(file);
    folders.add(dirname(real));
    names.add(basename(real));
  } catch {
    // Missing right now (being replaced): the folder watch still sees it come back.
  }
  const watchers: FSWatcher[] = [];
  for (const folder of folders) {
    try {
      const w = watch(folder, (_event, changed) => {
        if (changed === null || names.has(changed)) soon('file changed');
      });
      w.on('error', (err) => logger.warn({ err, folder }, 'config watch failed; SIGHUP still reloads'));
      watchers.push(w);
    } catch (err) {
      logger.warn({ err, folder }, 'cannot watch the config folder; SIGHUP still reloads');
    }
  }
  const onHup = (): void => reload('SIGHUP');
  process.on('SIGHUP', onHup);
  return () => {
    clearTimeout(timer);
    for (const w of watchers) w.close();
    process.off('SIGHUP', onHup);
  };
}
