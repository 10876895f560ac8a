/**
 * Operators' own steps (config `middleware:`): a module exporting a step with the
 * pipeline's signature, `(view, next) => Promise<void>`, given a narrow view of the
 * exchange: read the request, the identity and the decision; add request headers;
 * refuse with a code from the refusal table. It never sees a secret value, the
 * token, the services or the config. Its failures fail closed (`step_failed`): a
 * throw, a step that takes longer than its `timeout_ms` to pass the exchange on, or
 * one that ends it without passing it on or refusing. Its calls and time are counted.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { MiddlewareSpec } from '../../config/middleware-section.js';
import { isRefusalCode, type RefusalCode } from '../../refusals.js';
import { GATE_HEADERS } from '../../credentials/header-value.js';
import { Rejection } from '../errors-map.js';
import type { NamedStep } from '../../compose.js';
import type { Exchange } from './exchange.js';

/** What an operator's step sees of an exchange. */
export interface OperatorView {
  readonly decisionId: string;
  readonly request: {
    readonly method: string;
    readonly scheme: 'http' | 'https';
    readonly host: string;
    readonly port: number;
    /** Path and query as they go upstream (before a route's base path). */
    readonly target: string;
    /** A request header as the agent sent it (lower-case name); never `proxy-authorization`. */
    header(name: string): string | undefined;
  };
  readonly identity: { readonly tenant: string; readonly agent: string; readonly session: string; readonly human: string | null } | null;
  readonly decision: {
    readonly outcome: string;
    readonly rule: string;
    readonly reason: string;
    readonly intent: string | null;
    readonly route: string | null;
  } | null;
  /** Add (or replace) a header on the upstream request; the rule's rewrite comes first, the credential last. */
  setHeader(name: string, value: string): void;
  /** Refuse the exchange with a code from the refusal table (its status and record follow from it). */
  refuse(code: RefusalCode, reason: string): never;
}

export type OperatorStep = (view: OperatorView, next: () => Promise<void>) => Promise<void>;

/** One loaded step, with what it has cost so far. */
export interface LoadedOperatorStep {
  readonly name: string;
  readonly spec: MiddlewareSpec;
  readonly stats: { calls: number; failures: number; totalMs: number };
  readonly step: NamedStep<Exchange>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
/** The gate's own headers (framing, routing, its identity), and those that belong to the rule and the credential. */
const FORBIDDEN: ReadonlySet<string> = new Set([...GATE_HEADERS, 'authorization', 'cookie', 'via']);

/**
 * Load every module the config names (afresh when its file changed, so a reload picks
 * up a new version). Throws, naming the module, when one cannot be loaded or exports no step.
 *
 * @example
 * const steps = await loadOperatorSteps(config.middleware, stepNames());
 */
export async function loadOperatorSteps(specs: readonly MiddlewareSpec[], stepNames: readonly string[]): Promise<LoadedOperatorStep[]> {
  const out: LoadedOperatorStep[] = [];
  for (const spec of specs) {
    const anchor = spec.before ?? spec.after;
    if (anchor !== undefined && (!stepNames.includes(anchor) || anchor === 'record' || anchor === 'refuse')) {
      throw new Error(
        `middleware ${spec.module}: '${anchor}' is not a step it can be placed by; steps are: ${stepNames.filter((n) => n !== 'record' && n !== 'refuse').join(', ')}`,
      );
    }
    let fn: unknown;
    try {
      const code = await readFile(spec.module);
      const version = createHash('sha256').update(code).digest('hex').slice(0, 16);
      const mod = (await import(`${pathToFileURL(spec.module).href}?v=${version}`)) as { default?: unknown; step?: unknown };
      fn = mod.default ?? mod.step;
    } catch (err) {
      throw new Error(`middleware ${spec.module}: could not be loaded: ${(err as Error).message}`, { cause: err });
    }
    if (typeof fn !== 'function') throw new Error(`middleware ${spec.module}: exports no step (export default async function (view, next) { ... })`);
    const name = `middleware:${basename(spec.module).replace(/\.[cm]?js$/, '')}`;
    const stats = { calls: 0, failures: 0, totalMs: 0 };
    out.push({ name, spec, stats, step: { name, run: wrap(name, fn as OperatorStep, spec.timeout_ms, stats) } });
  }
  return out;
}

function wrap(name: string, fn: OperatorStep, timeoutMs: number, stats: LoadedOperatorStep['stats']) {
  return (x: Exchange, next: () => Promise<void>): Promise<void> => {
    stats.calls++;
    const started = process.hrtime.bigint();
    let passed = false;
    let rest: Promise<void> | null = null;
    const stop = (): void => {
      stats.totalMs += Number(process.hrtime.bigint() - started) / 1e6;
    };
    const own = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(failure(`step ${name} did not pass the exchange on within ${timeoutMs} ms`)), timeoutMs);
      timer.unref();
      let ran: Promise<void>;
      try {
        ran = Promise.resolve(
          fn(viewOf(x, name), () => {
            if (passed) return Promise.reject(failure(`step ${name} called next() twice`));
            passed = true;
            clearTimeout(timer);
            stop();
            rest = next();
            resolve();
            return rest;
          }),
        );
      } catch (err) {
        ran = Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
      ran.then(
        () => {
          clearTimeout(timer);
          if (!passed) reject(failure(`step ${name} ended the exchange without passing it on or refusing it`));
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err instanceof Rejection ? err : failure(`step ${name} failed: ${err instanceof Error ? err.message : String(err)}`));
        },
      );
    });
    return own.then(
      () => rest!,
      (err: unknown) => {
        if (!passed) stop();
        stats.failures++;
        throw err;
      },
    );
  };
}

function failure(reason: string): Rejection {
  return new Rejection('step_failed', reason);
}

function viewOf(x: Exchange, name: string): OperatorView {
  const p = x.principal;
  const d = x.decision;
  return {
    decisionId: x.decisionId,
    request: {
      method: x.req.method ?? 'GET',
      scheme: x.scheme,
      host: x.hostText,
      port: x.port,
      target: x.target,
      header: (h: string): string | undefined => {
        const key = h.toLowerCase();
        if (key === 'proxy-authorization') return undefined;
        const v = x.req.headers[key];
        return Array.isArray(v) ? v.join(', ') : v;
      },
    },
    identity: p ? { tenant: p.tenant, agent: p.agent, session: p.session, human: p.human } : null,
    decision: d ? { outcome: d.outcome, rule: d.rule, reason: d.reason, intent: d.intent, route: d.route } : null,
    setHeader: (h: string, value: string): void => {
      const key = h.toLowerCase();
      if (!TOKEN.test(key) || FORBIDDEN.has(key)) throw failure(`step ${name} may not set header '${h}'`);
      if (!/^[\t\x20-\x7e]*$/.test(value)) throw failure(`step ${name} set header '${h}' to a value with control or non-ASCII characters`);
      (x.added ??= {})[key] = value;
    },
    refuse: (code: RefusalCode, reason: string): never => {
      if (!isRefusalCode(code)) throw failure(`step ${name} refused with '${String(code)}', which is not a refusal code`);
      throw new Rejection(code, reason, name);
    },
  };
}
