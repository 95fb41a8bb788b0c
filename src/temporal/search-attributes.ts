/** Search attributes shown in the Temporal Web UI (README, Architecture); registered on the dev server at start. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SubscriptionStatusKey = defineSearchAttributeKey('SubscriptionStatus', SearchAttributeType.KEYWORD);
export const CustomerKeyKey = defineSearchAttributeKey('CustomerKey', SearchAttributeType.KEYWORD);
export const PlanIdKey = defineSearchAttributeKey('PlanId', SearchAttributeType.KEYWORD);
export const NextBillingAtKey = defineSearchAttributeKey('NextBillingAt', SearchAttributeType.DATETIME);
export const EntitledKey = defineSearchAttributeKey('Entitled', SearchAttributeType.BOOL);

export const SEARCH_ATTRIBUTE_KEYS = [SubscriptionStatusKey, CustomerKeyKey, PlanIdKey, NextBillingAtKey, EntitledKey];
