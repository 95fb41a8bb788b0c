/**
 * Who is calling: the API key in `Authorization: Bearer`, checked against its stored hash in
 * constant time. Every bad key gets the same 401, so a caller learns nothing about which part of
 * it was wrong (format, id, secret or revocation). Neither the key nor the header is ever logged.
 */
import type { RequestHandler } from 'express';
import type { Logger } from 'pino';
import { HttpProblem } from '../api/problem';
import { parseApiKey, secretMatches } from './api-key-format';
import { LAST_USED_RESOLUTION_MS, type ApiKeysRepo, type StoredApiKey } from './api-keys-repo';
import { rememberKey } from './authenticated-key';
import { bearerToken } from './bearer-token';

export function identify(keys: ApiKeysRepo, logger: Logger): RequestHandler {
  return async (req, res, next) => {
    // A 401 names the scheme it expects (RFC 9110 §11.6.1, RFC 6750 §3).
    const fail = (detail: string) => {
      res.setHeader('WWW-Authenticate', 'Bearer realm="subscriptions"');
      next(new HttpProblem(401, 'unauthenticated', detail));
    };
    try {
      const token = bearerToken(req.get('authorization'));
      if (!token) return fail('an API key is required: send Authorization: Bearer <key> (npm run api-keys -- create)');
      const parsed = parseApiKey(token);
      const stored = parsed ? await keys.find(parsed.keyId) : null;
      if (!parsed || !stored || !secretMatches(parsed.secret, stored.secretHash) || stored.revokedAt) {
        return fail('the API key is not valid: unknown, malformed or revoked');
      }
      rememberKey(req, { id: stored.id, name: stored.name, right: stored.right });
      await recordUse(keys, stored, logger);
      next();
    } catch (error) {
      next(error);
    }
  };
}

/** A lost write of last_used_at must not fail the request it describes. */
async function recordUse(keys: ApiKeysRepo, stored: StoredApiKey, logger: Logger): Promise<void> {
  if (stored.lastUsedAt && Date.now() - stored.lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
  try {
    await keys.touch(stored.id);
  } catch (error) {
    logger.warn({ err: { message: error instanceof Error ? error.message : String(error) }, apiKeyId: stored.id }, 'could not record API key use');
  }
}
