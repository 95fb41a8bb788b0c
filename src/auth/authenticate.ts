import type { RequestHandler } from 'express';
import type { ApiDeps } from '../api/deps';

/** Placeholder: API-key authentication (issue 8, item 1) is built here. */
export function authenticate(_deps: ApiDeps): RequestHandler {
  return (_req, _res, next) => next();
}
