/**
 * Send an `mcp_stdio` case through `sluice mcp`, the stdio wrapper: the runner starts
 *
 *   sluice mcp --config BENCH.yaml --gate 127.0.0.1:PORT --tenant bench --agent runner
 *     --name <case id> --quiet -- node fixture-mcp-stdio.js --case CASE.json --log ARRIVALS.jsonl
 *
 * as a real process, writes the conversation (`mcp-plan.ts`) to its stdin one JSON
 * message per line, and reads answers from its stdout, matched by id. Each request
 * waits for its answer up to 10 s (or until the process exits); then stdin is
 * closed and the process given 5 s to exit. The fixture's log says which messages
 * reached it.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { McpArrival } from './fixtures-mcp.js';
import { idOf, isObject, key, type Json, type McpPlan } from './mcp-plan.js';
import { outgoing, type McpExchange, type McpObservation } from './send-mcp.js';
import { describe } from './send-http.js';

export interface StdioLaunch {
  /** The program (`process.execPath`) and its arguments, the wrapper's and the fixture's. */
  command: string;
  args: string[];
  /** The fixture's arrivals log. */
  logFile: string;
}

const ANSWER_MS = 10_000;

/**
 * The `--name` for a case: its id when it is a valid server name (a letter, then
 * letters, digits, `.`, `_`, `-`), else the id with everything else replaced.
 *
 * @example
 * serverName('mcp-input-dlp-001') // 'mcp-input-dlp-001'
 */
export function serverName(caseId: string): string {
  const s = caseId.replace(/[^A-Za-z0-9._-]/g, '-');
  return /^[A-Za-z]/.test(s) ? s : `case-${s}`;
}
const EXIT_MS = 5_000;

/**
 * The command line for a case.
 *
 * @example
 * stdioLaunch({ sluiceBin: 'dist/src/cli/main.js', configFile: 'bench.yaml', gatePort: 8080, fixture: 'dist/conformance/fixture-mcp-stdio.js', caseFile: 'c.json', logFile: 'c.log', name: 'c' })
 * // { command: process.execPath, args: ['dist/src/cli/main.js', 'mcp', '--config', 'bench.yaml', '--gate', '127.0.0.1:8080', ...], logFile: 'c.log' }
 */
export function stdioLaunch(o: {
  sluiceBin: string;
  configFile: string;
  gatePort: number;
  fixture: string;
  caseFile: string;
  logFile: string;
  name: string;
  tenant?: string;
  agent?: string;
}): StdioLaunch {
  return {
    command: process.execPath,
    args: [
      o.sluiceBin,
      'mcp',
      '--config',
      o.configFile,
      '--gate',
      `127.0.0.1:${o.gatePort}`,
      '--tenant',
      o.tenant ?? 'bench',
      '--agent',
      o.agent ?? 'runner',
      '--name',
      o.name,
      '--quiet',
      '--',
      process.execPath,
      o.fixture,
      '--case',
      o.caseFile,
      '--log',
      o.logFile,
    ],
    logFile: o.logFile,
  };
}

/** Hold the case's conversation with `sluice mcp` over stdio. */
export async function sendMcpStdio(launch: StdioLaunch, plan: McpPlan): Promise<McpObservation> {
  const obs: McpObservation = {
    transport: 'mcp_stdio',
    client: 'stdio',
    target: [launch.command, ...launch.args].join(' '),
    exchanges: [],
    arrivals: [],
    unsolicited: [],
  };
  const child = spawn(launch.command, launch.args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-8192)));
  // Filled in by the process's events (an object, so the reads below are not narrowed away).
  const run: { exited: { code: number | null; signal: string | null } | null; spawnError: string | null } = { exited: null, spawnError: null };
  const exit = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      run.exited = { code, signal };
      resolve();
    });
    child.once('error', (err) => {
      run.spawnError = describe(err);
      run.exited ??= { code: null, signal: null };
      resolve();
    });
  });
  child.stdin.on('error', () => undefined); // a wrapper that exits early closes the pipe

  const answers = new Map<string, Json>();
  const waiting = new Map<string, () => void>();
  createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => {
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      if (line.trim() !== '') obs.unsolicited!.push({ unparsable: line.slice(0, 200) });
      return;
    }
    for (const m of Array.isArray(v) ? (v as unknown[]) : [v]) {
      const id = isObject(m) && typeof m.method !== 'string' ? idOf(m.id) : null;
      if (id === null) {
        obs.unsolicited!.push(isObject(m) ? m : { value: m });
        continue;
      }
      answers.set(key(id), m as Json);
      waiting.get(key(id))?.();
    }
  });

  const await1 = (id: string | number): Promise<Json | string> => {
    const k = key(id);
    const have = answers.get(k);
    if (have) return Promise.resolve(have);
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(`no answer within ${ANSWER_MS / 1000} s`), ANSWER_MS);
      const done = (why?: string): void => {
        clearTimeout(timer);
        waiting.delete(k);
        resolve(answers.get(k) ?? why ?? 'no answer');
      };
      waiting.set(k, () => done());
      void exit.then(() => setImmediate(() => done(`sluice mcp exited (${describeExit(run.exited)}) without answering`)));
    });
  };

  for (const o of outgoing(plan)) {
    const ex: McpExchange = { at: o.at, sent: o.message };
    obs.exchanges.push(ex);
    if (o.message === null) continue;
    if (run.exited) {
      ex.failure = `sluice mcp exited (${describeExit(run.exited)}) before this message was sent`;
      continue;
    }
    child.stdin.write(`${JSON.stringify(o.message)}\n`);
    const id = idOf(o.message.id);
    if (id === null) continue;
    const got = await await1(id);
    if (typeof got === 'string') ex.failure = got;
    else ex.answer = got;
    if (o.message.method === 'initialize' && ex.answer === undefined) break;
  }

  child.stdin.end();
  const timer = setTimeout(() => child.kill('SIGTERM'), EXIT_MS);
  const killer = setTimeout(() => child.kill('SIGKILL'), EXIT_MS + 2000);
  await exit;
  clearTimeout(timer);
  clearTimeout(killer);
  obs.process = { code: run.exited?.code ?? null, signal: run.exited?.signal ?? null, stderr: stderr.slice(-2000) };
  if (run.spawnError !== null) obs.error = `could not start sluice mcp: ${run.spawnError}`;
  obs.arrivals = await readArrivals(launch.logFile);
  return obs;
}

function describeExit(e: { code: number | null; signal: string | null } | null): string {
  if (e === null) return 'running';
  return e.signal !== null ? `signal ${e.signal}` : `code ${e.code}`;
}

async function readArrivals(file: string): Promise<McpArrival[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  const out: McpArrival[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as McpArrival);
    } catch {
      // a torn line: not evidence
    }
  }
  return out;
}
