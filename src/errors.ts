/**
 * An error the user can cause or fix (a bad file, no engine, a port in use). The CLI prints its
 * message as one sentence and exits with `exitCode`; anything else that is thrown is a bug and
 * crashes loudly with its stack.
 */
export class FedsimError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'FedsimError';
  }
}

/** The message of anything thrown, for wrapping low-level failures into a FedsimError. */
export function reason(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? String(err);
  return String(err);
}
