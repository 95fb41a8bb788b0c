/**
 * `GET /metrics`: Prometheus text exposition of the API's metrics (README "Metrics and logs").
 * Mounted after authentication like every route but /healthz: any active key may read it.
 */
import { Router } from 'express';
import type { ApiMetrics } from '../../metrics/api-metrics';

export function metricsRoutes(metrics: ApiMetrics): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    const { contentType, text } = await metrics.scrape();
    res.setHeader('Cache-Control', 'no-store');
    res.type(contentType).send(text);
  });
  return router;
}
