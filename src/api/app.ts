import express from 'express';
import { authenticate } from '../auth/authenticate';
import { BillingMetricsRepo } from '../db/billing-metrics-repo';
import { createApiMetrics } from '../metrics/api-metrics';
import { accessLog } from './access-log';
import type { ApiDeps } from './deps';
import { buildOpenApiDocument } from './openapi/document';
import { HttpProblem, problemHandler, sendProblem } from './problem';
import { requestIds } from './request-id';
import { requestMetrics } from './request-metrics';
import { requireJsonBodies } from './require-json';
import { routeTemplates } from './route-template';
import { billingAuthRoutes } from './routes/billing-auth';
import { demoRoutes } from './routes/demo';
import { eventRoutes } from './routes/events';
import { healthRoutes } from './routes/health';
import { metricsRoutes } from './routes/metrics';
import { paymentMethodRoutes } from './routes/payment-methods';
import { paymentRoutes } from './routes/payments';
import { planRoutes } from './routes/plans';
import { reconciliationRoutes } from './routes/reconciliation';
import { referenceRoutes } from './routes/reference';
import { schedulePreviewRoutes } from './routes/schedule-preview';
import { subscriptionOperationRoutes } from './routes/subscription-operations';
import { subscriptionRoutes } from './routes/subscriptions';
import { testClockRoutes } from './routes/test-clock';
import { webhookEndpointRoutes } from './routes/webhook-endpoints';
import packageJson from '../../package.json';

export function createApiApp(deps: ApiDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  const metrics = createApiMetrics({ figures: () => new BillingMetricsRepo(deps.pool).figures(), logger: deps.logger });
  const routeOf = routeTemplates(app);
  // The document this app serves; tests read it here to check every answer against it.
  const document = buildOpenApiDocument({ testClock: deps.testClock !== undefined, version: packageJson.version });
  app.locals.openapiDocument = document;
  // Before anything that can answer: every request has an id, a log line and a place in the metrics.
  app.use(requestIds());
  app.use(accessLog(deps.logger, routeOf));
  app.use(requestMetrics(metrics.http, routeOf));
  // Open routes come before authentication.
  app.use(healthRoutes(deps));
  app.use(referenceRoutes(document));
  app.use(demoRoutes());
  // The browser's return from the card window: authenticated by the session token it carries.
  const billingAuth = billingAuthRoutes(deps);
  app.use(billingAuth.open);
  app.use(authenticate(deps));
  app.use(requireJsonBodies());
  app.use(express.json({ limit: '64kb' }));
  app.use(metricsRoutes(metrics));
  app.use(billingAuth.authenticated);
  for (const routes of [planRoutes, paymentMethodRoutes, subscriptionRoutes, subscriptionOperationRoutes, paymentRoutes, schedulePreviewRoutes, reconciliationRoutes, eventRoutes, webhookEndpointRoutes]) {
    app.use(routes(deps));
  }
  if (deps.testClock) app.use(testClockRoutes({ ...deps, testClock: deps.testClock }));
  app.use((req, res) => sendProblem(res, new HttpProblem(404, 'route-not-found', `no route ${req.method} ${req.path}`)));
  app.use(problemHandler(deps.logger));
  return app;
}
