/**
 * Why the domain says no, as stable machine codes (docs/api-errors.md). Each rejection of a
 * subscription operation carries one; the API puts it in the problem's `type`. Codes are added,
 * never renamed or reused.
 */
export const REJECTION_CODES = [
  // The subscription's status forbids the operation now (HTTP 409)
  'subscription-ended',
  'already-canceled',
  'not-canceled',
  'subscription-canceled',
  'subscription-incomplete',
  'subscription-paused',
  'payment-overdue',
  'not-allowed-in-status',
  'in-trial',
  'pause-scheduled',
  'change-pending',
  'nothing-unpaid',
  'nothing-to-resume',
  'preview-stale',
  'busy',
  // The request breaks a rule whatever the status (HTTP 422)
  'prepaid-cannot-cancel',
  'prepaid-cannot-pause',
  'not-prepaid',
  'payment-method-in-use',
  'invalid-date',
  'defer-too-short',
  'defer-too-long',
  'pause-length',
  'invalid-mode',
  'mode-not-allowed',
  'not-an-upgrade',
  'currency-mismatch',
  'same-plan',
  'invalid-amount',
  'invalid-revoke-refund',
  'unknown-payment',
  'payment-not-refundable',
  'already-refunded',
  'refund-exceeds-balance',
  // Money did not move as asked
  'payment-declined',
  'payment-outcome-unknown',
  'refund-refused',
  'refund-outcome-unknown',
] as const;

export type RejectionCode = (typeof REJECTION_CODES)[number];
