/** Rights: a read-only key may only read. Checked after authentication, before any route runs. */
import type { RequestHandler } from 'express';
import { HttpProblem } from '../api/problem';
import { authenticatedKeyOf } from './authenticated-key';
import { rightAllows } from './rights';

export function authorize(): RequestHandler {
  return (req, _res, next) => {
    const key = authenticatedKeyOf(req);
    if (rightAllows(key.right, req.method)) return next();
    next(new HttpProblem(403, 'forbidden', `API key "${key.name}" is read-only: ${req.method} needs a key with the full right`));
  };
}
