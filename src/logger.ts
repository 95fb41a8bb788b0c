import { AsyncLocalStorage } from 'node:async_hooks';
import pino, { type DestinationStream, type Logger } from 'pino';

/** Anything that could carry a secret is censored before it reaches a log line (README, Architecture). */
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

/** Fields every log line written inside a context carries: the API request's id (README "Metrics and logs"). */
export interface LogContext {
  requestId: string;
}

const logContext = new AsyncLocalStorage<LogContext>();

/**
 * Runs `fn` so that every line any logger of createLogger writes from it — and from everything it
 * starts, awaited or not — carries the context's fields. An explicit field of the same name in a
 * log call wins.
 */
export function runWithLogContext<T>(context: LogContext, fn: () => T): T {
  return logContext.run(context, fn);
}

/** The context of the code running now, if any (an API request's, say). */
export const currentLogContext = (): LogContext | undefined => logContext.getStore();

export function createLogger(level = process.env.LOG_LEVEL ?? 'info', name = 'subscriptions', destination?: DestinationStream): Logger {
  const options = {
    name,
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    // A mixin, not a child binding: loggers handed out before the request (route deps, auth) tag it too.
    // A fresh object each time: pino merges the call's fields into what the mixin returns.
    mixin: () => {
      const context = logContext.getStore();
      return context ? { requestId: context.requestId } : {};
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
