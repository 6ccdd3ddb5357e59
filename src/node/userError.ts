/** A problem the user can fix, already worded for them; the CLI prints it without a stack trace. */
export class UserError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
  }
}
