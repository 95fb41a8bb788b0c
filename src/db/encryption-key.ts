import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createPrivateFileExclusive, ensurePrivateDir, tightenFile } from '../infra/private-files';
import { SecretCipher } from './secret-cipher';

/**
 * The configured key, or for local development one generated once into the data directory:
 * a 0600 file from the moment it exists, created atomically and only once even when the API and
 * the worker start together (the loser reads the winner's key). An existing looser file is
 * tightened to 0600. Production sets BILLING_KEY_ENCRYPTION_KEY from its secret store.
 */
export function loadOrCreateEncryptionKey(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const file = path.join(dataDir, 'billing-key-encryption.key');
  if (!existsSync(file)) {
    ensurePrivateDir(dataDir);
    createPrivateFileExclusive(file, `${SecretCipher.generateKey()}\n`);
  }
  tightenFile(file);
  return readFileSync(file, 'utf8').trim();
}
