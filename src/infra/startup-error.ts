/**
 * A start-up failure whose message already says what is wrong and what to do, in one line.
 * `npm start` prints only the message (no stack trace) for these.
 */
export class StartupError extends Error {
  override name = 'StartupError';
}

/** A readable one-line-or-stack description of anything thrown (an Error, a string, undefined …). */
export function describeStartupFailure(error: unknown): string {
  if (error instanceof StartupError) return error.message;
  if (error instanceof Error) return error.stack ?? error.message;
  if (error === undefined || error === null) return `unknown error (${String(error)} was thrown)`;
  if (typeof error === 'object') {
    try {
      return JSON.stringify(error);
    } catch {
      // fall through
    }
  }
  return String(error);
}
