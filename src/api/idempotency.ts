/**
 * `Idempotency-Key` on every POST that moves money or state (issue 8, item 2).
 *
 * - The key is claimed atomically before any work (idempotency-store.ts). A duplicate that arrives
 *   while the first request runs answers 409 `idempotency-key-in-use` with Retry-After.
 * - Once answered, a repeat with the same body replays the stored answer (`Idempotent-Replayed:
 *   true`); the same key with another body answers 422 `idempotency-key-reused`.
 * - A 5xx answer (including a thrown error, which the problem handler turns into a 500) releases the
 *   key, so a retry runs again. Keys expire after 24 hours.
 * - The claim's lease is renewed while the request runs; a claim of a crashed process is taken over
 *   when its lease has passed. Creates derive their ids from the key, and operations pass it to the
 *   workflow as the Update id, so a takeover can never do the work twice.
 * Scope: the route name plus the request path, so one key may be used on different resources.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Pool } from 'pg';
import { DEFAULT_CLAIM_TIMES, IdempotencyStore, type ClaimTimes, type StoredAnswer } from './idempotency-store';
import { HttpProblem } from './problem';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** Seconds a client should wait before asking again while the first request still runs. */
export const IN_PROGRESS_RETRY_AFTER_SECONDS = 1;
/** A request that never answers stops renewing its claim after this, so the key cannot stay blocked. */
const MAX_HOLD_MS = 10 * 60 * 1000;
/** Expired keys are purged on roughly one claim in this many. */
const PURGE_EVERY = 200;

/** The request's key, after the middleware validated it (undefined without the header). */
export function idempotencyKeyOf(req: Request): string | undefined {
  const key = req.get(IDEMPOTENCY_HEADER);
  return key !== undefined && isValidKey(key) ? key : undefined;
}

const isValidKey = (key: string) => key.length >= 1 && key.length <= 255;

/** A short, stable digest of (parts…): derived ids and Update ids. */
export function digest(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex');
}

/**
 * Options for `executeUpdate` that make an operation idempotent inside its workflow too: Temporal
 * answers a repeated Update id with the first one's outcome instead of running it again.
 */
export function updateIdOptions(req: Request, route: string): { updateId?: string } {
  const key = idempotencyKeyOf(req);
  if (key === undefined) return {};
  // The claim's generation: a takeover after a crash keeps it (the same Update, answered once);
  // a key released by a 5xx, or expired, gets a new one, so its retry really runs again.
  const generation = typeof req.res?.locals.idempotencyGeneration === 'string' ? req.res.locals.idempotencyGeneration : '';
  return { updateId: `idem-${route}-${digest(route, key, generation).slice(0, 32)}` };
}

/** JSON with sorted object keys: the same body hashes the same whatever the key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The hash a claim keeps of its request body. No body and `{}` are the same request. */
export const requestHash = (body: unknown) => digest(canonical(body ?? {}));

function replay(res: Response, answer: StoredAnswer): void {
  const { 'content-type': contentType, ...headers } = answer.headers;
  res
    .status(answer.status)
    .set(headers)
    .set('Idempotent-Replayed', 'true')
    .type(contentType ?? 'application/json')
    .json(answer.body);
}

/** The headers of an answer a replay must repeat. */
function answerHeaders(res: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  const contentType = res.get('content-type');
  const location = res.get('location');
  if (contentType) headers['content-type'] = contentType;
  if (location) headers.location = location;
  return headers;
}

/**
 * Fields of the answer that hold a secret shown once (a webhook signing secret, a card-registration
 * session's URLs): kept sealed in the stored answer and opened again for a replay, so they never
 * rest in plaintext.
 */
export interface SealedField {
  names: readonly string[];
  seal: (plaintext: string) => string;
  open: (sealed: string) => string;
}

function withFields(body: unknown, fields: SealedField | undefined, transform: (value: string) => string): unknown {
  if (!fields || body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const out: Record<string, unknown> = { ...body };
  for (const name of fields.names) {
    const value = out[name];
    if (typeof value === 'string') out[name] = transform(value);
  }
  return out;
}

/**
 * Route middleware: `router.post(path, idempotent(deps.pool, 'refund'), handler)`. `route` names
 * the operation; together with the path it scopes the key.
 */
export function idempotent(pool: Pool, route: string, options: { times?: ClaimTimes; sealed?: SealedField } = {}): RequestHandler {
  const times = options.times ?? DEFAULT_CLAIM_TIMES;
  const store = new IdempotencyStore(pool, times);
  let claims = 0;
  return async (req: Request, res: Response, next: NextFunction) => {
    const key = req.get(IDEMPOTENCY_HEADER);
    if (key === undefined) return next();
    if (!isValidKey(key)) return next(new HttpProblem(400, 'idempotency-key-invalid', 'Idempotency-Key must be 1–255 characters'));
    const scope = `${route} ${req.originalUrl}`;
    if (++claims % PURGE_EVERY === 0) void store.purgeExpired().catch(() => {});
    let claim;
    try {
      claim = await store.claim(key, scope, requestHash(req.body), randomBytes(16).toString('hex'));
    } catch (error) {
      return next(error);
    }
    switch (claim.kind) {
      case 'mismatch':
        return next(new HttpProblem(422, 'idempotency-key-reused', 'this Idempotency-Key was already used with a different request body'));
      case 'in-progress':
        res.set('Retry-After', String(IN_PROGRESS_RETRY_AFTER_SECONDS));
        return next(new HttpProblem(409, 'idempotency-key-in-use', 'a request with this Idempotency-Key is in progress; retry after it has answered'));
      case 'done':
        return replay(res, { ...claim, body: withFields(claim.body, options.sealed, (v) => options.sealed!.open(v)) });
      case 'claimed':
        res.locals.idempotencyGeneration = claim.generation;
        hold(store, res, key, scope, claim.token, times.leaseMs, options.sealed);
        return next();
    }
  };
}

/**
 * Keeps the claim alive while the request runs, and settles it with the answer: stored before the
 * answer is sent (so a repeat that follows it is always a replay), or released on a 5xx.
 */
function hold(store: IdempotencyStore, res: Response, key: string, scope: string, token: string, leaseMs: number, sealed: SealedField | undefined): void {
  const startedAt = Date.now();
  const renewal = setInterval(() => {
    if (Date.now() - startedAt > MAX_HOLD_MS) return void clearInterval(renewal);
    store.renew(key, scope, token).catch(() => {});
  }, Math.max(100, Math.floor(leaseMs / 3)));
  renewal.unref();
  let settled = false;
  const settle = (work: () => Promise<void>): Promise<void> => {
    settled = true;
    clearInterval(renewal);
    return work().catch(() => {});
  };

  const json = res.json.bind(res);
  res.json = (body: unknown) => {
    if (settled) return json(body);
    const status = res.statusCode;
    void settle(() =>
      status >= 500
        ? store.release(key, scope, token)
        : store.finish(key, scope, token, { status, body: withFields(body, sealed, sealed ? sealed.seal : (v) => v), headers: answerHeaders(res) }),
    ).then(() => json(body));
    return res;
  };
  // An answer sent some other way is not remembered: give the key back.
  res.on('finish', () => {
    if (!settled) void settle(() => store.release(key, scope, token));
  });
}
