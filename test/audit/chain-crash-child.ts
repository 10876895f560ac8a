/**
 * Child of chain-crash.test.ts: a gate's trail from the config in argv[2], writing
 * records without end (each opened a few records before it finishes, as exchanges
 * overlap), printing how many it has finished, until it is killed.
 */
import { makeRecord } from './fixtures.js';
import { openTrail } from './chain-helpers.js';
import type { AuditRecord } from '../../src/audit/fields.js';

const config = process.argv[2];
// `node --test dist/test/` runs every file under it: run so, without a config, this child has nothing to do.
if (config === undefined) process.exit(0);
const trail = await openTrail(config);
const open: AuditRecord[] = [];
let i = 0;
let done = 0;
let said = 0;
const run = (): void => {
  for (let k = 0; k < 20; k++) {
    const r = makeRecord(i++, { agent: `pid-${process.pid}` }, Date.now());
    trail.begin(r);
    open.push(r);
    if (open.length > 3) {
      trail.write(open.shift()!);
      done++;
    }
  }
  if (done - said >= 100) {
    said = done;
    process.stdout.write(`${done}\n`);
  }
  setImmediate(run);
};
run();
