/** The key a request was authenticated with, for the middleware after authentication (rate limit, rights). */
import type { Request } from 'express';
import type { ApiKeyRight } from './rights';

export interface AuthenticatedKey {
  id: string;
  name: string;
  right: ApiKeyRight;
}

// A WeakMap rather than a property on req or res.locals: typed, and gone with the request.
const keys = new WeakMap<Request, AuthenticatedKey>();

export function rememberKey(req: Request, key: AuthenticatedKey): void {
  keys.set(req, key);
}

export function authenticatedKeyOf(req: Request): AuthenticatedKey {
  const key = keys.get(req);
  // Only reachable if the middleware order in authenticate() is broken: fail closed.
  if (!key) throw new Error('request was not authenticated');
  return key;
}
