/**
 * The route template of a request (`/v1/subscriptions/:id`), for metric labels and access logs:
 * never a raw path, whose ids would make every request its own time series.
 *
 * A request a route served names that route. One stopped before any route — a 401, 403 or 429 of
 * authentication, a 415 or 400 of body parsing — is matched against the app's routes the way
 * Express would have matched it, so it counts under the route it was meant for. A path no route
 * serves is `unmatched`.
 */
import type { Express, Request } from 'express';
import { match, type MatchFunction } from 'path-to-regexp';

export const UNMATCHED_ROUTE = 'unmatched';

/** The parts of an Express 5 router layer read here (the published types still describe Express 4). */
interface LayerLike {
  rawPath?: unknown;
  route?: { path?: unknown; methods?: Record<string, boolean> };
  handle?: unknown;
}

interface KnownRoute {
  template: string;
  methods: Record<string, boolean>;
  matches: MatchFunction<Record<string, string>>;
}

function stackOf(value: unknown): LayerLike[] | undefined {
  if ((typeof value === 'function' || typeof value === 'object') && value !== null && 'stack' in value && Array.isArray(value.stack)) return value.stack;
  return undefined;
}

/** Every route of the app, nested routers included, with their full templates, in Express's order. */
function knownRoutes(app: Express): KnownRoute[] {
  const walk = (stack: LayerLike[], prefix: string): KnownRoute[] =>
    stack.flatMap((layer): KnownRoute[] => {
      if (layer.route) {
        const { path, methods = {} } = layer.route;
        if (typeof path !== 'string') return [];
        const template = prefix + path;
        // Express's defaults: case-insensitive, an optional trailing slash.
        return [{ template, methods, matches: match(template, { decode: false, sensitive: false, trailing: true, end: true }) }];
      }
      const nested = stackOf(layer.handle);
      if (!nested || typeof layer.rawPath !== 'string') return [];
      return walk(nested, prefix + (layer.rawPath === '/' ? '' : layer.rawPath));
    });
  const root = stackOf((app as unknown as { router?: unknown }).router);
  return root ? walk(root, '') : [];
}

/** Route.prototype._handlesMethod: `all` handles everything, GET handles HEAD. */
function handles(methods: Record<string, boolean>, method: string): boolean {
  const name = method.toLowerCase();
  return Boolean(methods._all || methods[name] || (name === 'head' && methods.get));
}

/**
 * A function naming the route template of a request of `app`. The route table is read at its first
 * use, once every route has been added.
 */
export function routeTemplates(app: Express): (req: Request) => string {
  let table: KnownRoute[] | undefined;
  let templates: Set<string> | undefined;
  return (req) => {
    try {
      table ??= knownRoutes(app);
      templates ??= new Set(table.map((r) => r.template));
      // The route that served it (all routers are mounted at the root, so its path is the template).
      const served: unknown = req.route?.path;
      const full = typeof served === 'string' ? `${req.baseUrl ?? ''}${served}` : undefined;
      if (full !== undefined && templates.has(full)) return full;
      const path = (req.originalUrl ?? req.url).split('?')[0] ?? '/';
      return table.find((r) => handles(r.methods, req.method) && r.matches(path))?.template ?? UNMATCHED_ROUTE;
    } catch {
      return UNMATCHED_ROUTE;
    }
  };
}
