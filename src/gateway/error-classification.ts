/**
 * How a Toss error code is treated (docs/toss-gateway.md). Classification is by code, never by HTTP status:
 * PROVIDER_ERROR is a 400 yet transient. `refused` is the cancel (refund) API saying no for good:
 * asking again with the same Idempotency-Key can only repeat the answer.
 */
export type ErrorClass = 'transient' | 'maybeProcessed' | 'soft' | 'hard' | 'merchant' | 'refused';

const CLASSES: Record<Exclude<ErrorClass, 'transient'>, readonly string[]> = {
  maybeProcessed: ['ALREADY_PROCESSED_PAYMENT', 'DUPLICATED_ORDER_ID'],
  soft: [
    'REJECT_CARD_PAYMENT',
    'REJECT_CARD_COMPANY',
    'EXCEED_MAX_DAILY_PAYMENT_COUNT',
    'EXCEED_MAX_PAYMENT_AMOUNT',
    'EXCEED_MAX_AMOUNT',
    'FDS_ERROR',
  ],
  hard: [
    'INVALID_CARD_EXPIRATION',
    'INVALID_STOPPED_CARD',
    'INVALID_CARD_LOST_OR_STOLEN',
    'INVALID_REJECT_CARD',
    'INVALID_BILL_KEY_REQUEST',
    'NOT_FOUND_BILLING',
    'ALREADY_REMOVED_BILLING_KEY',
    'NOT_SUPPORTED_CARD_TYPE',
    'INVALID_CARD_NUMBER',
  ],
  merchant: [
    'UNAUTHORIZED_KEY',
    'INVALID_API_KEY',
    'INCORRECT_BASIC_AUTH_FORMAT',
    'NOT_MATCHES_CUSTOMER_KEY',
    'INVALID_REQUEST',
    'INVALID_ORDER_ID',
    'BELOW_MINIMUM_AMOUNT',
  ],
  // Answers of POST /v1/payments/{paymentKey}/cancel; without this list they would count as
  // transient (unlisted) and a refund over the balance would be retried forever.
  refused: [
    'NOT_FOUND_PAYMENT',
    'ALREADY_CANCELED_PAYMENT',
    'ALREADY_REFUND_PAYMENT',
    'NOT_CANCELABLE_PAYMENT',
    'NOT_CANCELABLE_PAYMENT_FOR_DORMANT_USER',
    'NOT_CANCELABLE_AMOUNT',
    'NOT_MATCHES_REFUNDABLE_AMOUNT',
    'EXCEED_CANCEL_AMOUNT_DISCOUNT_AMOUNT',
    'EXCEED_MAX_REFUND_DUE',
    'NOT_ALLOWED_PARTIAL_REFUND',
    'NOT_ALLOWED_PARTIAL_REFUND_WAITING_DEPOSIT',
    'REFUND_REJECTED',
    'FORBIDDEN_REQUEST',
  ],
};

const BY_CODE = new Map<string, ErrorClass>(
  (Object.entries(CLASSES) as [ErrorClass, readonly string[]][]).flatMap(([cls, codes]) =>
    codes.map((code) => [code, cls] as const),
  ),
);

/**
 * Unlisted codes (PROVIDER_ERROR, FAILED_*_PROCESSING, COMMON_ERROR, UNKNOWN_ERROR,
 * IDEMPOTENT_REQUEST_PROCESSING, anything new) are transient: retried with the same orderId and
 * Idempotency-Key after an order lookup, and only then counted as a soft decline.
 */
export function classifyTossError(code: string): ErrorClass {
  return BY_CODE.get(code) ?? 'transient';
}
