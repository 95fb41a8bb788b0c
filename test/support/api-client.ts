/**
 * Authenticated access to the API in tests: every route but /healthz needs an API key (README
 * "Authentication"). `authedAgent` sends the key on every request, so a test reads like an
 * unauthenticated one: `const api = await authedAgent(app, pool); await api.get('/v1/plans')`.
 */
import type { Express } from 'express';
import type { Pool } from 'pg';
import request from 'supertest';
import { ApiKeysRepo } from '../../src/auth/api-keys-repo';
import type { ApiKeyRight } from '../../src/auth/rights';

export type ApiAgent = ReturnType<typeof request.agent>;

export interface TestApiKey {
  /** The full key, for an `Authorization: Bearer` header. */
  key: string;
  /** The key's id: the api_keys row, e.g. to revoke it. */
  id: string;
}

/** A fresh key with `right`, stored like `npm run api-keys -- create` stores one. */
export async function createTestApiKey(pool: Pool, right: ApiKeyRight = 'full', name = `test-${right}`): Promise<TestApiKey> {
  const created = await new ApiKeysRepo(pool).create({ name, right });
  return { key: created.key, id: created.info.id };
}

export const bearer = (key: string) => `Bearer ${key}`;

/** A supertest agent on `app` that sends `key` with every request. */
export function agentWithKey(app: Express, key: string): ApiAgent {
  return request.agent(app).set('Authorization', bearer(key));
}

/** A supertest agent on `app` that authenticates every request with a fresh key of `right`. */
export async function authedAgent(app: Express, pool: Pool, right: ApiKeyRight = 'full'): Promise<ApiAgent> {
  return agentWithKey(app, (await createTestApiKey(pool, right)).key);
}

export interface AppRoute {
  method: string;
  /** The Express path, e.g. `/v1/subscriptions/:id/cancel`. */
  path: string;
}

/** The parts of an Express 5 router layer this walk reads (the published types still describe Express 4). */
interface LayerLike {
  rawPath?: unknown;
  route?: { path?: unknown; methods?: Record<string, boolean> };
  handle?: unknown;
}

const ALL_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

function stackOf(value: unknown): LayerLike[] | undefined {
  if ((typeof value === 'function' || typeof value === 'object') && value !== null && 'stack' in value && Array.isArray(value.stack)) return value.stack;
  return undefined;
}

/**
 * Every route the app serves, found by walking its router stack, nested routers included, so a
 * test that iterates over it covers a route the day it is added.
 */
export function listRoutes(app: Express): AppRoute[] {
  const walk = (stack: LayerLike[], prefix: string): AppRoute[] =>
    stack.flatMap((layer) => {
      if (layer.route) {
        const { path, methods = {} } = layer.route;
        if (typeof path !== 'string') throw new Error(`listRoutes: a route with a non-string path ${String(path)}`);
        return Object.keys(methods).flatMap((m) => (m === '_all' ? ALL_METHODS : [m.toUpperCase()])).map((method) => ({ method, path: prefix + path }));
      }
      const nested = stackOf(layer.handle);
      if (!nested) return [];
      if (typeof layer.rawPath !== 'string') throw new Error('listRoutes: a router mounted on a non-string path');
      return walk(nested, prefix + (layer.rawPath === '/' ? '' : layer.rawPath));
    });
  const root = stackOf(app.router);
  if (!root) throw new Error('listRoutes: the app has no router stack (not Express 5?)');
  return walk(root, '');
}

/** `path` with each `:param` replaced by `params[param]`, or by `fallback` for a param not given. */
export function fillPath(path: string, params: Record<string, string> = {}, fallback = 'dummy-id'): string {
  if (/[*{}()]/.test(path)) throw new Error(`fillPath: ${path} uses a path pattern this helper does not fill`);
  return path.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(params[name] ?? fallback));
}
