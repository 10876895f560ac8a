/**
 * Steps composed into one function, in the manner of koa's and hono's `compose`: each
 * step gets the exchange and `next`, acts before it (identify, decide, inject), may
 * stop by not calling it (a refusal, an answer of the gate's own), and acts after it
 * (the audit record, a usage debit) once the rest of the list has run.
 *
 * A step that does nothing after `next` returns `next()` without `await`: one promise
 * fewer per step on the hot path. A step that throws synchronously is turned into a
 * rejection here, so every step may be written either way.
 *
 * It sits at the top of src/ (like refusals.ts) because both the gate's request path
 * (proxy/pipeline/) and the transport-neutral MCP guard (mcp/steps/, which must not
 * import proxy/) compose their steps with it.
 */

/** One step of a pipeline. */
export type Step<X> = (x: X, next: () => Promise<void>) => Promise<void>;

/** A step with the name the pipeline lists it under (operators place their own steps by these names). */
export interface NamedStep<X> {
  readonly name: string;
  readonly run: Step<X>;
}

const DONE: Promise<void> = Promise.resolve();

/**
 * @example
 * const run = compose([{ name: 'a', run: (x, next) => next() }]);
 * await run(exchange);
 */
export function compose<X>(steps: readonly NamedStep<X>[]): (x: X) => Promise<void> {
  const list = steps.map((s) => s.run);
  return (x: X): Promise<void> => {
    let last = -1;
    const dispatch = (i: number): Promise<void> => {
      if (i <= last) return Promise.reject(new Error(`pipeline step '${steps[i - 1]?.name ?? '?'}' called next() twice`));
      last = i;
      const step = list[i];
      if (step === undefined) return DONE;
      try {
        return step(x, () => dispatch(i + 1));
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    };
    return dispatch(0);
  };
}
