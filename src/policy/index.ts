/**
 * The policy module: compile rules once, then `decide` (fast, indexed) or
 * `explain` (every rule, every reason). Pure: no I/O anywhere below.
 *
 * @example
 * import { compilePolicy, decide } from './policy/index.js';
 * const policy = compilePolicy(config.rules, version, config.routes);
 * const d = decide(facts, principal, policy);
 */
export { compilePolicy, PolicyCompileError } from './compile.js';
export type { CompiledPolicy, CompiledRule } from './compile.js';
export { decide } from './decide.js';
export { explain } from './explain.js';
export { checkCase } from './check-case.js';
export type { CaseExpectation, CaseResult } from './check-case.js';
export { HostIndex } from './host-index.js';
export { explainCredential, explainHeaders, explainRespond, placeholderFor, CREDENTIAL_FORMS, SECRET_TEMPLATE } from './actions.js';
export { MATCHER_KINDS, MATCHER_KIND_BY_TYPE } from './matcher-kinds.js';
export type { Matcher, MatcherKind, MatcherType, PreparedFacts } from './matcher.js';
export { prepareFacts } from './matcher.js';
export { compilePathGlob, pathPatternProblem } from './path-glob.js';
export { normaliseRequestPath } from './request-path.js';
export { parsePortSpec } from './port-range.js';
export { compileNameGlob } from './name-glob.js';
export { DEFAULT_DENY_RULE } from './types.js';
export type {
  CredentialInput,
  CredentialSpec,
  Decision,
  DecisionReason,
  Explanation,
  HeaderRewrite,
  Outcome,
  PlaceholderLocation,
  RequestFacts,
  RespondSpec,
  RuleAction,
  RuleMode,
  RuleSpec,
  TraceEntry,
  Who,
} from './types.js';
