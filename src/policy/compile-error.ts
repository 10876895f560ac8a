/** A rule that cannot be compiled; names the rule. The config schema catches all of these first, with lines. */
export class PolicyCompileError extends Error {
  /**
   * @param rule the rule's id, or the section (`mcp.servers.tickets`) when `what` says so.
   * @example
   * throw new PolicyCompileError('tickets', 'mcp.tools[0]: expected a tool glob'); // 'rule tickets: mcp.tools[0]: ...'
   */
  constructor(
    readonly rule: string,
    message: string,
    what = 'rule',
  ) {
    super(`${what} ${rule}: ${message}`);
    this.name = 'PolicyCompileError';
  }
}
