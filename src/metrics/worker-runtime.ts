/**
 * The Temporal SDK's own worker metrics (README "Metrics and logs"): the Rust core serves them in
 * Prometheus format at `http://<WORKER_METRICS_ADDRESS>/metrics`, prefixed `temporal_` —
 * workflow task and activity latencies (histograms in milliseconds), the sticky cache size, task
 * slots, pollers. They live in the worker process, so they have their own listener; the API's
 * `/metrics` does not carry them.
 *
 * The SDK's Runtime is a process-wide singleton created by the first NativeConnection or Worker:
 * `installWorkerRuntime` must run before either exists. With WORKER_METRICS_ADDRESS unset it does
 * nothing and the SDK keeps its defaults (no metrics).
 */
import { isIP } from 'node:net';
import { Runtime, type Logger as SdkLogger } from '@temporalio/worker';
import type { Logger } from 'pino';

export const WORKER_METRICS_ADDRESS_ENV = 'WORKER_METRICS_ADDRESS';

export interface MetricsAddress {
  host: string;
  port: number;
  loopback: boolean;
}

const ADDRESS = /^(?:\[([0-9A-Fa-f:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3})):(\d{1,5})$/;

/**
 * `127.0.0.1:9464` or `[::1]:9464`: an IP literal and a port (the exporter binds a socket address,
 * not a host name). Throws on anything else, naming the setting.
 */
export function parseMetricsAddress(text: string): MetricsAddress {
  const match = ADDRESS.exec(text.trim());
  const host = match ? (match[1] ?? match[2]!) : '';
  const port = match ? Number(match[3]) : 0;
  if (!match || isIP(host) === 0 || port < 1 || port > 65_535) {
    throw new Error(`invalid configuration: ${WORKER_METRICS_ADDRESS_ENV} must be <ip>:<port> such as 127.0.0.1:9464 or [::1]:9464, got "${text}"`);
  }
  const loopback = isIP(host) === 4 ? host.startsWith('127.') : host === '::1';
  return { host, port, loopback };
}

export const formatMetricsAddress = ({ host, port }: Pick<MetricsAddress, 'host' | 'port'>): string =>
  isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;

export interface WorkerRuntimeOptions {
  /** Where to serve the metrics; default `process.env.WORKER_METRICS_ADDRESS`. Unset or empty: no metrics. */
  address?: string | undefined;
  /**
   * Added to the port, so that several worker processes on one host can share one setting (worker
   * `i` of a cluster passes `i`: 9464, 9465, …). Default 0.
   */
  portOffset?: number;
  /** Says where the metrics are served, and warns about a non-loopback address. */
  logger?: Logger;
  /** The SDK's own logger (RuntimeOptions.logger); default the SDK's (INFO to stderr). */
  sdkLogger?: SdkLogger;
}

/**
 * Installs the Temporal SDK Runtime with the Prometheus exporter when an address is configured.
 * Returns the address served (`127.0.0.1:9464`), or null when metrics are off.
 */
export function installWorkerRuntime(options: WorkerRuntimeOptions = {}): string | null {
  const text = 'address' in options ? options.address : process.env[WORKER_METRICS_ADDRESS_ENV];
  if (text === undefined || text.trim() === '') return null;
  const parsed = parseMetricsAddress(text);
  const port = parsed.port + (options.portOffset ?? 0);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(`invalid configuration: ${WORKER_METRICS_ADDRESS_ENV} port ${parsed.port} + offset ${options.portOffset} is not a port`);
  }
  const bindAddress = formatMetricsAddress({ host: parsed.host, port });
  try {
    Runtime.install({
      ...(options.sdkLogger ? { logger: options.sdkLogger } : {}),
      telemetryOptions: { metrics: { prometheus: { bindAddress } } },
    });
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    // Already installed ("Did you start a Worker before calling `install`?"), or the port is taken.
    throw new Error(`cannot serve worker metrics on ${bindAddress}: ${why}`);
  }
  if (!parsed.loopback) {
    options.logger?.warn({ workerMetrics: bindAddress }, 'worker metrics are served on a non-loopback address without authentication: keep it on a private network');
  }
  options.logger?.info({ workerMetrics: `http://${bindAddress}/metrics` }, 'Temporal worker metrics enabled');
  return bindAddress;
}
