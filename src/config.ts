/** Process configuration from the environment (see the README's configuration table). */
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_WEBHOOK_RETRY, type WebhookDeliveryOptions } from './webhooks/delivery-options';
import { WEBHOOK_URL_POLICIES } from './webhooks/url-policy';

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);

const schema = z.object({
  DATA_DIR: z.string().default('.data'),
  DATABASE_URL: z.string().url().optional(),
  EMBEDDED_PG_PORT: port(5433),
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_PORT: port(7233),
  TEMPORAL_UI_PORT: port(8233),
  API_PORT: port(3000),
  /** Loopback unless set: a container sets 0.0.0.0 (docker-compose.yml). */
  API_HOST: z.string().min(1).default('127.0.0.1'),
  API_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(6000),
  EMULATOR_HOST: z.string().min(1).default('127.0.0.1'),
  EMULATOR_PORT: port(4010),
  EMULATOR_LATENCY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
  EMULATOR_SECRET_KEY: z.string().default('test_sk_emulator_0000000000000000'),
  TOSS_SECRET_KEY: z
    .string()
    .regex(/^(test|live)_(g)?sk_/, 'TOSS_SECRET_KEY must start with test_sk_, test_gsk_, live_sk_ or live_gsk_')
    .optional(),
  TOSS_API_BASE_URL: z.string().url().default('https://api.tosspayments.com'),
  /** The card window a card-registration session sends the browser to (docs/card-registration.md); the local stack's emulator serves one. */
  TOSS_CARD_WINDOW_URL: z.string().url().optional(),
  /** The URL browsers reach the API at, for the card window's return (default: the origin the session's creator called). */
  API_PUBLIC_URL: z.string().url().optional(),
  BILLING_KEY_ENCRYPTION_KEY: z.string().optional(),
  /** A prebuilt workflow bundle (`npm run build`) workers load instead of bundling at start. */
  WORKFLOW_BUNDLE: z.string().min(1).optional(),
  /** Workflows kept in the worker's sticky cache: bounds its memory, whatever the number of subscriptions. */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).max(1_000_000).default(2000),
  /** Cluster mode: worker processes, and history shards (fixed when the cluster is first created). */
  WORKERS: z.coerce.number().int().min(1).max(16).default(2),
  /** Set by cluster mode for its worker processes (metrics port offset). */
  WORKER_INDEX: z.coerce.number().int().min(0).max(64).default(0),
  /** Cluster mode: Temporal's databases commit asynchronously (faster; see the README for what it risks). */
  TEMPORAL_DB_ASYNC_COMMIT: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  TEMPORAL_SHARDS: z.coerce.number().int().min(1).max(1024).default(8),
  /** Which webhook URLs are allowed (src/webhooks/url-policy.ts); the local stack defaults to `private`. */
  WEBHOOK_URL_POLICY: z.enum(WEBHOOK_URL_POLICIES).optional(),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  WEBHOOK_RETRY_INITIAL_MS: z.coerce.number().int().min(10).max(86_400_000).default(DEFAULT_WEBHOOK_RETRY.initialIntervalMs),
  WEBHOOK_RETRY_MAX_MS: z.coerce.number().int().min(10).max(86_400_000).default(DEFAULT_WEBHOOK_RETRY.maximumIntervalMs),
  WEBHOOK_GIVE_UP_AFTER_MS: z.coerce.number().int().min(1_000).max(30 * 86_400_000).default(DEFAULT_WEBHOOK_RETRY.giveUpAfterMs),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = z.infer<typeof schema> & { dataDir: string };

/** Webhook delivery settings; `localDefault` is the URL policy when none is configured. */
export function webhookDeliveryOptions(config: Config, localDefault: 'public' | 'private' = 'public'): WebhookDeliveryOptions {
  return {
    policy: config.WEBHOOK_URL_POLICY ?? localDefault,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    retry: {
      initialIntervalMs: config.WEBHOOK_RETRY_INITIAL_MS,
      backoffCoefficient: DEFAULT_WEBHOOK_RETRY.backoffCoefficient,
      maximumIntervalMs: config.WEBHOOK_RETRY_MAX_MS,
      giveUpAfterMs: config.WEBHOOK_GIVE_UP_AFTER_MS,
    },
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  return { ...parsed.data, dataDir: path.resolve(parsed.data.DATA_DIR) };
}
