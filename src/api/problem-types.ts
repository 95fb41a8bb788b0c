/**
 * The one list of machine codes every API rejection carries (docs/api-errors.md). A problem's
 * `type` is `https://subscriptions.local/problems/<code>`; clients branch on the code, never on
 * the human `detail`. Codes are stable: a code is added, never renamed or reused.
 */
import { REJECTION_CODES } from '../domain/rejection-codes';

export const EDGE_PROBLEM_CODES = [
  // Request shape
  'invalid-request',
  'invalid-json',
  'unsupported-media-type',
  'body-not-allowed',
  'not-found',
  'route-not-found',
  // Authentication and limits
  'unauthenticated',
  'forbidden',
  'rate-limited',
  // Idempotency
  'idempotency-key-invalid',
  'idempotency-key-in-use',
  'idempotency-key-reused',
  // References to things that must exist
  'unknown-plan',
  'unknown-payment-method',
  'unknown-auth-key',
  // Plans
  'plan-exists',
  'plan-in-use',
  'plan-archived',
  // Webhooks
  'webhook-url-refused',
  // The payment gateway
  'billing-key-issuance-failed',
  'card-declined',
  'gateway-error',
  // Our side
  'internal-error',
  'service-unavailable',
] as const;

export const PROBLEM_CODES = [...EDGE_PROBLEM_CODES, ...REJECTION_CODES] as const;
export type ProblemCode = (typeof PROBLEM_CODES)[number];

export const PROBLEM_TYPE_BASE = 'https://subscriptions.local/problems/';
export const problemTypeUri = (code: ProblemCode) => `${PROBLEM_TYPE_BASE}${code}`;

export const isProblemCode = (value: unknown): value is ProblemCode =>
  typeof value === 'string' && (PROBLEM_CODES as readonly string[]).includes(value);
