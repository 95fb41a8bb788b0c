import pino, { type Logger } from 'pino';

/** Anything that could carry a secret is censored before it reaches a log line (SPEC §8). */
export const REDACTED_PATHS = [
  'billingKey',
  '*.billingKey',
  '*.*.billingKey',
  'secretKey',
  '*.secretKey',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  'authKey',
  '*.authKey',
  'cardNumber',
  '*.cardNumber',
];

export function createLogger(level = process.env.LOG_LEVEL ?? 'info', name = 'subscriptions'): Logger {
  return pino({ name, level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } });
}
