import { DEFAULT_DUNNING_POLICY, type Plan } from '../domain/plans';

/** Plans every fresh database starts with: KRW tiers, plus the seed's USD/GBP examples (docs/lifecycle.md §3.1). */
export const SEED_PLANS: Plan[] = [
  { id: 'basic-monthly', product: 'basic', name: 'Basic 월간', price: 9_900, currency: 'KRW', interval: { unit: 'month', count: 1 }, autoRenew: true, trialDays: 14, dunning: DEFAULT_DUNNING_POLICY },
  { id: 'basic-yearly', product: 'basic', name: 'Basic 연간', price: 99_000, currency: 'KRW', interval: { unit: 'year', count: 1 }, autoRenew: true, dunning: DEFAULT_DUNNING_POLICY },
  { id: 'pro-monthly', product: 'pro', name: 'Pro 월간', price: 19_900, currency: 'KRW', interval: { unit: 'month', count: 1 }, autoRenew: true, trialDays: 7, dunning: DEFAULT_DUNNING_POLICY },
  { id: 'pro-yearly', product: 'pro', name: 'Pro 연간', price: 199_000, currency: 'KRW', interval: { unit: 'year', count: 1 }, autoRenew: true, dunning: DEFAULT_DUNNING_POLICY },
  { id: 'pro-weekly', product: 'pro', name: 'Pro 주간', price: 4_900, currency: 'KRW', interval: { unit: 'week', count: 1 }, autoRenew: true, dunning: { ...DEFAULT_DUNNING_POLICY, gracePeriodDays: 3, graceRetryDayOffsets: [1, 3] } },
  { id: 'pro-monthly-intro', product: 'pro-intro', name: 'Pro 월간 (첫 3개월 ₩9,900)', price: 19_900, currency: 'KRW', interval: { unit: 'month', count: 1 }, autoRenew: true, intro: { price: 9_900, periods: 3 }, dunning: DEFAULT_DUNNING_POLICY },
  { id: 'pro-pass-30d', product: 'pro', name: 'Pro 30일 이용권 (선불)', price: 21_900, currency: 'KRW', interval: { unit: 'day', count: 30 }, autoRenew: false, dunning: DEFAULT_DUNNING_POLICY },
  { id: 'tier1-monthly-usd', product: 'tier1', name: 'Tier 1 (USD)', price: 200, currency: 'USD', interval: { unit: 'month', count: 1 }, autoRenew: true, dunning: DEFAULT_DUNNING_POLICY },
  { id: 'tier2-yearly-usd', product: 'tier2', name: 'Tier 2 (USD)', price: 3_600, currency: 'USD', interval: { unit: 'year', count: 1 }, autoRenew: true, dunning: DEFAULT_DUNNING_POLICY },
  { id: 'darcy-monthly-gbp', product: 'darcy', name: 'Monthly (GBP)', price: 125, currency: 'GBP', interval: { unit: 'month', count: 1 }, autoRenew: true, dunning: DEFAULT_DUNNING_POLICY },
];
