/**
 * `Idempotency-Key` on POSTs that create things (SPEC §7): a repeat with the same key and body
 * replays the first answer; the same key with a different body is a 422.
 */
import { createHash } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Pool } from 'pg';
import { HttpProblem } from './problem';

export function idempotent(pool: Pool, route: string): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const key = req.get('idempotency-key');
    if (key === undefined) return next();
    if (key.length === 0 || key.length > 255) return next(new HttpProblem(400, 'idempotency-key-invalid', 'Idempotency-Key must be 1–255 characters'));
    const scope = `${route} ${req.originalUrl}`;
    const hash = createHash('sha256').update(JSON.stringify(req.body ?? null)).digest('hex');
    try {
      const { rows } = await pool.query<{ request_hash: string; status: number; body: unknown }>(
        'SELECT request_hash, status, body FROM api_idempotency WHERE key = $1 AND route = $2',
        [key, scope],
      );
      const seen = rows[0];
      if (seen) {
        if (seen.request_hash !== hash) {
          return next(new HttpProblem(422, 'idempotency-key-reused', 'this Idempotency-Key was used with a different request body'));
        }
        res.status(seen.status).set('Idempotent-Replayed', 'true').json(seen.body);
        return;
      }
    } catch (error) {
      return next(error);
    }
    // Remember the answer before it is sent, so a repeat that follows it is always a replay;
    // 5xx answers are not remembered, so a retry runs again.
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      if (res.statusCode >= 500) return json(body);
      pool
        .query('INSERT INTO api_idempotency (key, route, request_hash, status, body) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [
          key, scope, hash, res.statusCode, JSON.stringify(body),
        ])
        .catch(() => {})
        .finally(() => json(body));
      return res;
    };
    next();
  };
}
