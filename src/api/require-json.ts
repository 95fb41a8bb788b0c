/**
 * Strict request bodies (issue 8, item 5). A POST, PUT or PATCH that carries a body must say it is
 * JSON: anything else answers 415 and changes nothing. Before this, `express.json()` silently
 * skipped such a body, so a refund sent with curl's default form content type refunded the whole
 * balance, and `cancel` with a `text/plain` body went through.
 */
import express, { type Request, type RequestHandler } from 'express';
import { HttpProblem } from './problem';

/** The same limit `express.json()` is mounted with in app.ts. */
export const JSON_BODY_LIMIT = '64kb';

const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/** Whether the request carries body bytes (an empty body with any content type is no body). */
function carriesBody(req: Request): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = Number(req.headers['content-length'] ?? 0);
  return !Number.isFinite(length) || length > 0;
}

export function requireJsonBodies(): RequestHandler {
  // `application/*+json` is JSON too, but the `express.json()` in app.ts only reads `application/json`.
  const readPlusJson = express.json({ limit: JSON_BODY_LIMIT, type: '*/*+json' });
  return (req, res, next) => {
    if (!WITH_BODY.has(req.method) || !carriesBody(req)) return next();
    if (!req.is(['application/json', '+json'])) {
      const given = req.get('content-type');
      return next(
        new HttpProblem(415, 'unsupported-media-type', `a request body must be JSON (content-type: application/json); got ${given ? `"${given}"` : 'no content type'}`),
      );
    }
    readPlusJson(req, res, next);
  };
}
