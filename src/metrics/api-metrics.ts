/**
 * The API process's Prometheus metrics, served at `GET /metrics` (README "Metrics and logs"):
 * HTTP request metrics, billing metrics read from PostgreSQL at scrape time, and the Node.js
 * process metrics. Each API app has its own registry for the first two, so several apps in one
 * process (tests) never collide.
 */
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { BillingFigures } from '../db/billing-metrics-repo';
import { registerBillingMetrics } from './billing-metrics';
import { registerHttpMetrics, type HttpMetrics } from './http-metrics';
import { processMetricsRegistry } from './process-metrics';

export interface ApiMetrics {
  http: HttpMetrics;
  /** The text exposition format of every metric, with its content type. */
  scrape(): Promise<{ contentType: string; text: string }>;
}

export function createApiMetrics(options: { figures: () => Promise<BillingFigures>; logger: Logger }): ApiMetrics {
  const own = new Registry();
  const http = registerHttpMetrics(own);
  registerBillingMetrics(own, options);
  const registry = Registry.merge([processMetricsRegistry(), own]);
  return {
    http,
    async scrape() {
      return { contentType: registry.contentType, text: await registry.metrics() };
    },
  };
}
