/** Times every request and counts it by method, route template and status code (src/metrics/http-metrics.ts). */
import type { Request, RequestHandler } from 'express';
import type { HttpMetrics } from '../metrics/http-metrics';

export function requestMetrics(metrics: HttpMetrics, routeOf: (req: Request) => string): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    let recorded = false;
    const record = () => {
      if (recorded) return;
      recorded = true;
      metrics.observe({
        method: req.method,
        route: routeOf(req),
        // 'close' without 'finish': the client went away before the answer was complete.
        statusCode: res.writableFinished ? String(res.statusCode) : 'aborted',
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
      });
    };
    res.once('finish', record);
    res.once('close', record);
    next();
  };
}
