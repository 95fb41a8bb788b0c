/**
 * Request ids (README "Metrics and logs"). Every request gets one: a well-formed incoming
 * `X-Request-Id` (1–128 characters of A-Z a-z 0-9 . _ -) is kept, so a caller's or a proxy's id
 * follows the request; anything else is replaced by a fresh UUID. The id is echoed in the
 * `X-Request-Id` response header, is in every log line written while the request runs (the
 * logger's context, src/logger.ts) and in every problem+json body as `requestId` (problem.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import { runWithLogContext } from '../logger';

export const REQUEST_ID_HEADER = 'X-Request-Id';
const WELL_FORMED = /^[A-Za-z0-9._-]{1,128}$/;

/** The incoming id when it is well formed, else undefined. */
export function acceptedRequestId(header: unknown): string | undefined {
  return typeof header === 'string' && WELL_FORMED.test(header) ? header : undefined;
}

const ids = new WeakMap<Request, string>();

/** The id of a request that went through `requestIds()`. */
export const requestIdOf = (req: Request | undefined): string | undefined => (req ? ids.get(req) : undefined);

/** First in the app: everything after it, the access log and the logs of the routes, runs with the id. */
export function requestIds(): RequestHandler {
  return (req, res, next) => {
    // Node joins a repeated X-Request-Id with ", ", which is not well formed: replaced.
    const id = acceptedRequestId(req.headers['x-request-id']) ?? randomUUID();
    ids.set(req, id);
    req.id = id; // pino-http's request id
    res.setHeader(REQUEST_ID_HEADER, id);
    runWithLogContext({ requestId: id }, next);
  };
}
