import { Router } from 'express';
import type { ApiDeps } from '../deps';

export function healthRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.get('/healthz', async (_req, res) => {
    const checks: Record<string, 'ok' | string> = {};
    await deps.pool.query('SELECT 1').then(
      () => (checks.database = 'ok'),
      (e: Error) => (checks.database = e.message),
    );
    await deps.temporal.connection.workflowService.getSystemInfo({}).then(
      () => (checks.temporal = 'ok'),
      (e: Error) => (checks.temporal = e.message),
    );
    const healthy = Object.values(checks).every((v) => v === 'ok');
    res.status(healthy ? 200 : 503).json({ status: healthy ? 'ok' : 'degraded', checks });
  });
  return router;
}
