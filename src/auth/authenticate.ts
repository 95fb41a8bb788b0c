/**
 * API-key authentication for every route mounted after it (README "Authentication"): identify
 * the key (401), count it against its rate limit (429), check its right (403).
 */
import { Router, type RequestHandler } from 'express';
import type { ApiDeps } from '../api/deps';
import { ApiKeysRepo } from './api-keys-repo';
import { authorize } from './authorize';
import { identify } from './identify';
import { perKeyRateLimit } from './rate-limit';

export function authenticate(deps: ApiDeps): RequestHandler {
  const router = Router();
  router.use(identify(new ApiKeysRepo(deps.pool), deps.logger));
  router.use(perKeyRateLimit(deps.rateLimitPerMinute));
  router.use(authorize());
  return router;
}
