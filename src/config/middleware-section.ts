/**
 * `middleware:`: operators' own pipeline steps, each a module placed before or after
 * one of the gate's steps (src/proxy/pipeline/index.ts names them). Loaded at start
 * and on every reload; a module that fails to load fails the load (the old config
 * keeps serving).
 *
 * @example
 * middleware:
 *   - module: ./steps/tag-tickets.js
 *     after: decide
 */
import * as z from 'zod';
import { strictSection } from './fields.js';

const stepName = z.string().regex(/^[a-z][a-z-]{1,40}$/, { error: 'expected the name of a pipeline step, like decide' });

export const middlewareSchema = z.array(
  strictSection({
    module: z.string().min(1, { error: 'expected the path of a JavaScript module exporting a step' }),
    /** The step to run right after (default `decide`), or before; not both. */
    after: stepName.optional(),
    before: stepName.optional(),
    /** How long the step may take before it passes the exchange on (default 1s): past it, the exchange is refused. */
    timeout_ms: z.number().int().min(1).max(60_000).default(1000),
  }).refine((m) => m.after === undefined || m.before === undefined, { error: "say 'after' or 'before', not both" }),
);

export type MiddlewareSpec = z.output<typeof middlewareSchema>[number];
