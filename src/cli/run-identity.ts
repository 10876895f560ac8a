/**
 * Who an agent is when the operator names no one: `sluice run` and `sluice mcp` ask
 * the gate for this identity, and `sluice explain` explains a request as coming from
 * it, so that what explain says without flags is what `sluice run CMD` gets.
 *
 * @example
 * runIdentity({});                  // { tenant: 'default', agent: 'default' }
 * runIdentity({ agent: 'coder' });  // { tenant: 'default', agent: 'coder' }
 */
export function runIdentity(flags: { tenant?: string | undefined; agent?: string | undefined }): { tenant: string; agent: string } {
  return { tenant: flags.tenant ?? 'default', agent: flags.agent ?? 'default' };
}
