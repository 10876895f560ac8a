import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Step } from '../../compose.js';
import type { Exchange } from './exchange.js';

/**
 * A step with a span of its own, a child of the exchange's (observe/tracing.ts), when
 * the exchange is traced; otherwise the step itself, after one null check. The span
 * covers the step's own work: it ends when the step hands on (`next`) or settles
 * without doing so (a refusal, or `send`: the upstream's whole answer).
 *
 * @example
 * step('decide', traced('decide', decide));
 */
export function traced(name: string, run: Step<Exchange>, kind: SpanKind = SpanKind.INTERNAL): Step<Exchange> {
  return (x, next) => {
    const t = x.trace;
    if (t == null) return run(x, next);
    const span = t.child(name, kind);
    let open = true;
    const end = (): void => {
      if (!open) return;
      open = false;
      span.end();
    };
    let p: Promise<void>;
    try {
      p = run(x, () => {
        end();
        return next();
      });
    } catch (err) {
      end();
      throw err;
    }
    p.then(end, (err: unknown) => {
      if (open) span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.name : 'error' });
      end();
    });
    return p;
  };
}
