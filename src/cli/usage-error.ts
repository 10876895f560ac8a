/** A mistake in how a command was called: printed with a hint, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Exit codes: 0 ok, 1 the command failed, 2 it was called wrongly or the config is invalid. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
