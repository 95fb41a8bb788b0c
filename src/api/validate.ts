import type { z } from 'zod';
import { HttpProblem } from './problem';

/** Parses input with a zod schema, or throws a 400 naming every offending field. */
export function parse<T extends z.ZodType>(schema: T, input: unknown, where = 'body'): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => ({
    field: issue.path.length ? issue.path.join('.') : where,
    message: issue.message,
  }));
  throw new HttpProblem(400, 'invalid-request', `invalid ${where}: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, { errors });
}

/** A POST that takes no body: none, or `{}`. Anything else is refused before it can be misread. */
export function parseNoBody(body: unknown): void {
  const empty = body === undefined || (body !== null && typeof body === 'object' && !Array.isArray(body) && Object.keys(body).length === 0);
  if (!empty) {
    throw new HttpProblem(400, 'body-not-allowed', 'this operation takes no body (send none, or {})', {
      errors: [{ field: 'body', message: 'no body expected' }],
    });
  }
}

/**
 * No instant a client sends may lie further ahead than this: the workflow computes periods, trial
 * ends and dunning deadlines from it, and a year-9999 start once failed its workflow.
 */
export const MAX_AHEAD = { years: 1 } as const;

/** The latest instant a client may ask for, one calendar year after `nowMs` (UTC). */
export function latestAcceptedMs(nowMs: number): number {
  const latest = new Date(nowMs);
  latest.setUTCFullYear(latest.getUTCFullYear() + MAX_AHEAD.years);
  return latest.getTime();
}

/** Throws a 400 naming `field` when `instantMs` is more than a year after `nowMs`. */
export function assertNotTooFarAhead(instantMs: number, nowMs: number, field: string): void {
  const latest = latestAcceptedMs(nowMs);
  if (instantMs > latest) {
    const message = `at most one year ahead (latest ${new Date(latest).toISOString()})`;
    throw new HttpProblem(400, 'invalid-request', `${field} must be ${message}`, { errors: [{ field, message }] });
  }
}
