/**
 * The shape of an API key and how its secret is kept. A key is `sk_<keyId>_<secret>`: the id
 * (public, 64 bits, hex) names the stored row so a lookup needs no scan, the secret (256 random
 * bits, base64url) is what proves possession. Only sha256(secret) is stored: a plain hash is
 * enough for a uniformly random 256-bit secret (there is nothing to brute-force a dictionary
 * against), and it keeps verification cheap on every request.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const KEY_ID_BYTES = 8;
const SECRET_BYTES = 32;
const KEY_PATTERN = /^sk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface ParsedApiKey {
  keyId: string;
  secret: string;
}

export interface GeneratedApiKey extends ParsedApiKey {
  /** The full key, shown once to whoever created it. */
  key: string;
  secretHash: Buffer;
}

export function generateApiKey(): GeneratedApiKey {
  const keyId = randomBytes(KEY_ID_BYTES).toString('hex');
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { key: formatApiKey({ keyId, secret }), keyId, secret, secretHash: hashSecret(secret) };
}

export const formatApiKey = ({ keyId, secret }: ParsedApiKey): string => `sk_${keyId}_${secret}`;

/** Undefined for anything that is not exactly a key of ours, so garbage never reaches the database. */
export function parseApiKey(text: string): ParsedApiKey | undefined {
  const match = KEY_PATTERN.exec(text);
  return match ? { keyId: match[1]!, secret: match[2]! } : undefined;
}

export const hashSecret = (secret: string): Buffer => createHash('sha256').update(secret, 'utf8').digest();

/** Constant-time: both sides are 32-byte digests, so the comparison never short-circuits on content. */
export function secretMatches(secret: string, storedHash: Buffer): boolean {
  const presented = hashSecret(secret);
  return presented.length === storedHash.length && timingSafeEqual(presented, storedHash);
}
