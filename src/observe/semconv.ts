/**
 * The OpenTelemetry semantic-convention attribute names the gate's spans use, copied
 * here as the semantic-conventions package advises for its incubating names (they may
 * change in a minor release): a rename upstream is then a reviewed change here, not a
 * silent one in a dependency update.
 *
 * Pinned to the OpenTelemetry semantic conventions **v1.41.0** (the version
 * `@opentelemetry/semantic-conventions` 1.45.0 generates its incubating names from):
 * HTTP (stable), MCP (`mcp.*`, development) and GenAI (`gen_ai.*`, development; since
 * moved to the semantic-conventions-genai repository under the same names).
 */

/** The semantic-conventions version the names below follow; also the tracer's schema URL. */
export const SEMCONV_VERSION = '1.41.0';
export const SEMCONV_SCHEMA_URL = `https://opentelemetry.io/schemas/${SEMCONV_VERSION}`;

export const ATTR = {
  // HTTP and URL (stable).
  httpMethod: 'http.request.method',
  httpStatus: 'http.response.status_code',
  urlScheme: 'url.scheme',
  /** Path only, never the query: where agents put secrets. */
  urlPath: 'url.path',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  errorType: 'error.type',
  // MCP.
  mcpMethod: 'mcp.method.name',
  // GenAI: an MCP tool call is an `execute_tool` operation.
  genAiOperation: 'gen_ai.operation.name',
  genAiToolName: 'gen_ai.tool.name',
  genAiRequestModel: 'gen_ai.request.model',
  genAiInputTokens: 'gen_ai.usage.input_tokens',
  genAiOutputTokens: 'gen_ai.usage.output_tokens',
} as const;

/** `gen_ai.operation.name` of a tool call. */
export const EXECUTE_TOOL = 'execute_tool';

/** The gate's own attributes: the audit record's decision, by its field names. */
export const SLUICE = {
  decisionId: 'sluice.decision_id',
  outcome: 'sluice.outcome',
  reason: 'sluice.reason',
  rule: 'sluice.rule',
  tenant: 'sluice.tenant',
  agent: 'sluice.agent',
  policyVersion: 'sluice.policy_version',
  credential: 'sluice.credential',
  transport: 'sluice.transport',
  findings: 'sluice.findings',
  mcpServer: 'sluice.mcp.server',
} as const;
