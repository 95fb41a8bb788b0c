/**
 * HTTP request metrics of the API, labelled by method, route template (`/v1/subscriptions/:id`,
 * never a raw id; `unmatched` for a path no route serves) and status code.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import { METRIC_PREFIX } from './prefix';

/** Seconds. Reads answer in milliseconds; operations that wait for a charge can take many seconds. */
export const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

const LABELS = ['method', 'route', 'status_code'] as const;

export interface HttpSample {
  method: string;
  route: string;
  /** The status sent, or `aborted` when the client went away before the answer was complete. */
  statusCode: string;
  seconds: number;
}

export interface HttpMetrics {
  observe(sample: HttpSample): void;
}

export function registerHttpMetrics(registry: Registry): HttpMetrics {
  const duration = new Histogram({
    name: `${METRIC_PREFIX}http_request_duration_seconds`,
    help: 'Time from receiving an API request to the end of its response, by method, route template and status code',
    labelNames: LABELS,
    buckets: HTTP_DURATION_BUCKETS,
    registers: [registry],
  });
  const requests = new Counter({
    name: `${METRIC_PREFIX}http_requests_total`,
    help: 'API requests answered, by method, route template and status code',
    labelNames: LABELS,
    registers: [registry],
  });
  return {
    observe({ method, route, statusCode, seconds }) {
      const labels = { method, route, status_code: statusCode };
      duration.observe(labels, seconds);
      requests.inc(labels);
    },
  };
}
