import { DEFAULT_DUNNING_POLICY, type Plan } from '../../src/domain/plans';

/** Plans only the tests use. */
export const TEST_PLANS: Plan[] = [
  { id: 'test-monthly', product: 'test', name: 'Test monthly', price: 10_000, currency: 'KRW', interval: { unit: 'month', count: 1 }, autoRenew: true, dunning: DEFAULT_DUNNING_POLICY },
  { id: 'test-trial-monthly', product: 'test-trial', name: 'Test trial monthly', price: 10_000, currency: 'KRW', interval: { unit: 'month', count: 1 }, autoRenew: true, trialDays: 14, dunning: DEFAULT_DUNNING_POLICY },
  { id: 'test-prepaid-monthly', product: 'test', name: 'Test prepaid month', price: 12_000, currency: 'KRW', interval: { unit: 'month', count: 1 }, autoRenew: false, dunning: DEFAULT_DUNNING_POLICY },
  { id: 'test-downgrade-monthly', product: 'test-lite', name: 'Test lite monthly', price: 5_000, currency: 'KRW', interval: { unit: 'month', count: 1 }, autoRenew: true, dunning: DEFAULT_DUNNING_POLICY },
  { id: 'test-daily', product: 'test-daily', name: 'Test daily', price: 1_000, currency: 'KRW', interval: { unit: 'day', count: 1 }, autoRenew: true, dunning: DEFAULT_DUNNING_POLICY },
  { id: 'test-intro-monthly', product: 'test-intro', name: 'Test intro monthly', price: 10_000, currency: 'KRW', interval: { unit: 'month', count: 1 }, autoRenew: true, intro: { price: 5_000, periods: 2 }, dunning: DEFAULT_DUNNING_POLICY },
];
