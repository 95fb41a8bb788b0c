/**
 * One log line per answered request (pino-http): method, route template, path, status and
 * response time, with the request id. Errors (5xx) log at `error`; a successful scrape of
 * `/metrics` or `/healthz` at `debug`, so a scraper does not fill the log. No header is logged.
 */
import type { Request, RequestHandler, Response } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import { requestIdOf } from './request-id';

const QUIET_ROUTES = new Set(['/metrics', '/healthz']);

/**
 * Query parameters that are credentials: a card-registration return carries its session token and
 * the card window's authKey in the URL (docs/card-registration.md), and a log must not hold either.
 */
const SECRET_QUERY_PARAMETERS = ['session', 'authKey'];

/** The request URL as it may be logged: its path and query, with every credential's value replaced. */
export function loggableUrl(url: string): string {
  const queryAt = url.indexOf('?');
  if (queryAt < 0) return url;
  const query = new URLSearchParams(url.slice(queryAt + 1));
  for (const name of SECRET_QUERY_PARAMETERS) if (query.has(name)) query.set(name, 'redacted');
  return `${url.slice(0, queryAt)}?${query.toString()}`;
}

export function accessLog(logger: Logger, routeOf: (req: Request) => string): RequestHandler {
  const line = (req: Request, res: Response, responseTime: unknown) => ({
    requestId: requestIdOf(req),
    method: req.method,
    route: routeOf(req),
    url: loggableUrl(req.originalUrl),
    statusCode: res.statusCode,
    responseTime,
  });
  return pinoHttp<Request, Response>({
    logger,
    // requestIds() runs first and has set req.id; this is only a fallback.
    genReqId: (req) => requestIdOf(req) ?? 'unknown',
    // The request's logger (req.log) carries only the method and the loggable URL; no headers, no body.
    serializers: { req: (req: { method?: string; url?: string }) => ({ method: req.method, url: req.url === undefined ? undefined : loggableUrl(req.url) }) },
    // The line below is built here, with the id as a field (not a child binding, which would repeat the logger's own).
    quietResLogger: true,
    customLogLevel: (req, res, error) => {
      if (error || res.statusCode >= 500) return 'error';
      return QUIET_ROUTES.has(routeOf(req)) && res.statusCode < 400 ? 'debug' : 'info';
    },
    customSuccessObject: (req, res, val: { responseTime?: unknown }) => line(req, res, val.responseTime),
    customErrorObject: (req, res, _error, val: { responseTime?: unknown }) => line(req, res, val.responseTime),
  });
}
