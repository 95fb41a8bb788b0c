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
