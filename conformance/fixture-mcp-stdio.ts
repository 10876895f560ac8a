/**
 * The MCP fixture server as a stdio program, for `mcp_stdio` cases: the runner starts
 * it under `sluice mcp -- node fixture-mcp-stdio.js --case FILE --log FILE`.
 *
 * It speaks MCP's stdio transport (one JSON-RPC message, or batch, per line on stdin;
 * answers one per line on stdout), answers by the case's plan exactly as the HTTP
 * fixture does (`fixtures-mcp.ts`), and appends every message that reached it to the
 * log file (JSON lines of `McpArrival`) before answering, so the runner can tell a
 * request the gate withheld from one the fixture saw. Exits when stdin ends.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { BenchCase } from './case.js';
import { answerPayload } from './fixtures-mcp.js';
import { mcpPlan, type McpPlan } from './mcp-plan.js';

function main(): void {
  const { values } = parseArgs({ options: { case: { type: 'string' }, log: { type: 'string' } }, strict: true });
  if (values.case === undefined || values.log === undefined) {
    process.stderr.write('usage: fixture-mcp-stdio --case CASE.json --log ARRIVALS.jsonl\n');
    process.exitCode = 2;
    return;
  }
  const log = values.log;
  let plan: McpPlan;
  try {
    plan = mcpPlan(JSON.parse(readFileSync(values.case, 'utf8')) as BenchCase);
  } catch (err) {
    process.stderr.write(`fixture-mcp-stdio: cannot serve ${values.case}: ${(err as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    const got = answerPayload(plan, line);
    if (got === null) {
      appendFileSync(log, `${JSON.stringify({ id: null, method: null, kind: 'unparsable' })}\n`);
      process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } })}\n`);
      return;
    }
    for (const a of got.arrivals) appendFileSync(log, `${JSON.stringify(a)}\n`);
    if (got.answers.length === 0) return;
    process.stdout.write(`${JSON.stringify(got.batch ? got.answers : got.answers[0])}\n`);
  });
}

main();
