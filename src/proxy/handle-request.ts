import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GateServices } from './gate-runtime.js';
import { newExchange } from './pipeline/exchange.js';
import { pipelines } from './pipeline/index.js';
import { tunnelOf } from './tunnel-context.js';

/**
 * The HTTP listener (plain proxy requests, and requests inside an intercepted tunnel):
 * takes the config of the moment once, builds the exchange, and runs the HTTP list
 * (pipeline/index.ts). The list answers every outcome and writes the one audit record.
 */
export function handleRequest(gate: GateServices, req: IncomingMessage, res: ServerResponse, expectContinue: boolean): Promise<void> {
  const state = gate.state();
  const x = newExchange(gate, state, req, res, { tunnel: tunnelOf(req.socket), expectContinue });
  return pipelines(state.operatorSteps).http(x);
}
