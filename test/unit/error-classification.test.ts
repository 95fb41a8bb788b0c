import { classifyTossError } from '../../src/gateway/error-classification';

test.each([
  ['PROVIDER_ERROR', 'transient'],
  ['FAILED_INTERNAL_SYSTEM_PROCESSING', 'transient'],
  ['IDEMPOTENT_REQUEST_PROCESSING', 'transient'],
  ['NETWORK_ERROR', 'transient'],
  ['SOMETHING_NEW', 'transient'],
  ['ALREADY_PROCESSED_PAYMENT', 'maybeProcessed'],
  ['DUPLICATED_ORDER_ID', 'maybeProcessed'],
  ['REJECT_CARD_PAYMENT', 'soft'],
  ['FDS_ERROR', 'soft'],
  ['INVALID_STOPPED_CARD', 'hard'],
  ['NOT_FOUND_BILLING', 'hard'],
  ['UNAUTHORIZED_KEY', 'merchant'],
  ['NOT_MATCHES_CUSTOMER_KEY', 'merchant'],
  ['BELOW_MINIMUM_AMOUNT', 'merchant'],
  ['NOT_CANCELABLE_AMOUNT', 'refused'],
  ['ALREADY_CANCELED_PAYMENT', 'refused'],
  ['NOT_FOUND_PAYMENT', 'refused'],
])('%s is %s', (code, expected) => {
  expect(classifyTossError(code)).toBe(expected);
});
