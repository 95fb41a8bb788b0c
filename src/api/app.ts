import express from 'express';
import { authenticate } from '../auth/authenticate';
import type { ApiDeps } from './deps';
import { HttpProblem, problemHandler, sendProblem } from './problem';
import { requireJsonBodies } from './require-json';
import { healthRoutes } from './routes/health';
import { paymentMethodRoutes } from './routes/payment-methods';
import { paymentRoutes } from './routes/payments';
import { planRoutes } from './routes/plans';
import { schedulePreviewRoutes } from './routes/schedule-preview';
import { subscriptionOperationRoutes } from './routes/subscription-operations';
import { subscriptionRoutes } from './routes/subscriptions';

export function createApiApp(deps: ApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // Open routes come before authentication.
  app.use(healthRoutes(deps));
  app.use(authenticate(deps));
  app.use(requireJsonBodies());
  app.use(express.json({ limit: '64kb' }));
  for (const routes of [planRoutes, paymentMethodRoutes, subscriptionRoutes, subscriptionOperationRoutes, paymentRoutes, schedulePreviewRoutes]) {
    app.use(routes(deps));
  }
  app.use((req, res) => sendProblem(res, new HttpProblem(404, 'route-not-found', `no route ${req.method} ${req.path}`)));
  app.use(problemHandler(deps.logger));
  return app;
}
