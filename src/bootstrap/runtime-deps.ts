/** Shared wiring for the split worker / API processes of the compose deployment. */
import { openDatabase } from '../db/database';
import { loadOrCreateEncryptionKey } from '../db/encryption-key';
import { webhookDeliveryOptions, type Config } from '../config';
import { TossPaymentsClient } from '../gateway/toss-payments-client';

export async function connectRuntime(config: Config) {
  if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required when the worker or API runs on its own');
  if (!config.TOSS_SECRET_KEY) throw new Error('TOSS_SECRET_KEY is required when the worker or API runs on its own');
  const database = await openDatabase(config.DATABASE_URL, {
    encryptionKey: loadOrCreateEncryptionKey(config.BILLING_KEY_ENCRYPTION_KEY, config.dataDir),
  });
  return {
    ...database,
    webhookDelivery: webhookDeliveryOptions(config),
    gateway: new TossPaymentsClient({ baseUrl: config.TOSS_API_BASE_URL, secretKey: config.TOSS_SECRET_KEY }),
    temporalAddress: config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_PORT}`,
  };
}
