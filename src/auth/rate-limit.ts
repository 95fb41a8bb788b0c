/**
 * Per-key rate limiting (express-rate-limit, fixed one-minute windows, in-memory: each API
 * process counts on its own). Keyed by the authenticated key id, never by IP, so one client's
 * burst cannot starve another's key behind the same proxy.
 */
import type { RequestHandler } from 'express';
import { rateLimit } from 'express-rate-limit';
import { HttpProblem } from '../api/problem';
import { authenticatedKeyOf } from './authenticated-key';

/** Generous: a limit is a guard against a runaway client, not a quota. */
export const DEFAULT_RATE_LIMIT_PER_MINUTE = 6000;

export function perKeyRateLimit(perMinute: number = DEFAULT_RATE_LIMIT_PER_MINUTE): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (req) => authenticatedKeyOf(req).id,
    // express-rate-limit has already set Retry-After; the body is our problem+json.
    handler: (_req, res, next) =>
      next(new HttpProblem(429, 'rate-limited', `rate limit of ${perMinute} requests per minute for this API key exceeded; retry after ${res.getHeader('Retry-After') ?? 60} s`)),
  });
}
