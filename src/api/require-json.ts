import type { RequestHandler } from 'express';

/** Placeholder: strict request bodies (issue 8, item 5) — a body that is not JSON answers 415. */
export function requireJsonBodies(): RequestHandler {
  return (_req, _res, next) => next();
}
