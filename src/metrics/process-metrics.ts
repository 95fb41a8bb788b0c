/**
 * Node.js process metrics (prom-client's default set: CPU, memory, event-loop lag, GC, handles),
 * prefixed `subscriptions_`. Collected once per process into their own registry, which every API
 * app created in the process shares (tests create many apps; the collectors are process-wide).
 */
import { collectDefaultMetrics, Registry } from 'prom-client';
import { METRIC_PREFIX } from './prefix';

let processRegistry: Registry | undefined;

export function processMetricsRegistry(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: METRIC_PREFIX });
  }
  return processRegistry;
}
