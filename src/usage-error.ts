/** A mistake in how a command was called: printed with a hint, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The command was called rightly but cannot do its job (the port is taken): printed as is, exit code 1. */
export class CommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandError';
  }
}

/** Exit codes: 0 ok, 1 the command failed, 2 it was called wrongly or the config is invalid. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
