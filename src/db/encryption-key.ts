import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BillingKeyCipher } from './billing-key-cipher';

/**
 * The configured key, or for local development one generated once into the data directory
 * (mode 0600). Production sets BILLING_KEY_ENCRYPTION_KEY from its secret store.
 */
export function loadOrCreateEncryptionKey(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const file = path.join(dataDir, 'billing-key-encryption.key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const key = BillingKeyCipher.generateKey();
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}
