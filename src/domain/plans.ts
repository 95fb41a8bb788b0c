/** Plans are data (docs/plans.md); this module holds their shape and the rules a plan must obey. */
import { assertInterval, type BillingInterval } from './calendar';
import { assertMinorUnits, type Currency } from './money';

export const GRACE_PERIOD_DAYS_ALLOWED = [0, 3, 7, 14, 30] as const;
export const MAX_ACCOUNT_HOLD_DAYS = 60;

export interface DunningPolicy {
  /** Days in IN_GRACE_PERIOD (entitled) after a failed renewal: one of 0, 3, 7, 14, 30. */
  gracePeriodDays: number;
  /** Days in ON_HOLD (not entitled) after grace: 0–60. */
  accountHoldDays: number;
  /** Retry day offsets from the failed due date while in grace; offsets past the grace end are dropped. */
  graceRetryDayOffsets: number[];
  /** In hold, retry every this many days (counted from the grace end). */
  holdRetryEveryDays: number;
}

export const DEFAULT_DUNNING_POLICY: DunningPolicy = {
  gracePeriodDays: 7,
  accountHoldDays: 30,
  graceRetryDayOffsets: [1, 3, 5, 7],
  holdRetryEveryDays: 7,
};

export interface Plan {
  id: string;
  /** The tier, e.g. `basic`, `pro`: plans of one product are base plans of the same thing. */
  product: string;
  name: string;
  /** Minor units of `currency`. */
  price: number;
  currency: Currency;
  interval: BillingInterval;
  /** false = prepaid: the plan ends at its expiry unless topped up. */
  autoRenew: boolean;
  trialDays?: number;
  /** An introductory price for the first `periods` paid periods (same eligibility as the trial). */
  intro?: IntroPrice;
  dunning: DunningPolicy;
}

export interface IntroPrice {
  /** Minor units of the plan's currency. */
  price: number;
  periods: number;
}

export class PlanRuleError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'PlanRuleError';
  }
}

/** Throws a PlanRuleError naming the first field that breaks a rule. */
export function assertValidPlan(plan: Plan): void {
  if (!/^[a-z0-9][a-z0-9_-]{1,63}$/.test(plan.id)) {
    throw new PlanRuleError('id', 'plan id: 2–64 chars of a-z, 0-9, _ and -');
  }
  try {
    assertMinorUnits(plan.price, 'price');
  } catch (error) {
    throw new PlanRuleError('price', (error as Error).message);
  }
  try {
    assertInterval(plan.interval);
  } catch (error) {
    throw new PlanRuleError('interval', (error as Error).message);
  }
  if (plan.trialDays !== undefined && (!Number.isInteger(plan.trialDays) || plan.trialDays < 1 || plan.trialDays > 365)) {
    throw new PlanRuleError('trialDays', 'trialDays must be an integer from 1 to 365');
  }
  if (plan.trialDays !== undefined && !plan.autoRenew) {
    throw new PlanRuleError('trialDays', 'prepaid plans have no trial: their period is bought up front');
  }
  if (plan.intro !== undefined) {
    if (!Number.isSafeInteger(plan.intro.price) || plan.intro.price < 0 || plan.intro.price >= plan.price) {
      throw new PlanRuleError('intro.price', 'intro.price must be an integer of minor units below the plan price');
    }
    if (!plan.autoRenew) throw new PlanRuleError('intro', 'prepaid plans have no intro price: every top-up is full price');
    if (!Number.isInteger(plan.intro.periods) || plan.intro.periods < 1 || plan.intro.periods > 52) {
      throw new PlanRuleError('intro.periods', 'intro.periods must be an integer from 1 to 52');
    }
  }
  assertValidDunningPolicy(plan.dunning);
}

export function assertValidDunningPolicy(policy: DunningPolicy): void {
  if (!(GRACE_PERIOD_DAYS_ALLOWED as readonly number[]).includes(policy.gracePeriodDays)) {
    throw new PlanRuleError('dunning.gracePeriodDays', `gracePeriodDays must be one of ${GRACE_PERIOD_DAYS_ALLOWED.join(', ')}`);
  }
  if (!Number.isInteger(policy.accountHoldDays) || policy.accountHoldDays < 0 || policy.accountHoldDays > MAX_ACCOUNT_HOLD_DAYS) {
    throw new PlanRuleError('dunning.accountHoldDays', `accountHoldDays must be an integer from 0 to ${MAX_ACCOUNT_HOLD_DAYS}`);
  }
  const offsets = policy.graceRetryDayOffsets;
  const ascending = offsets.every((d, i) => Number.isInteger(d) && d >= 1 && (i === 0 || d > offsets[i - 1]!));
  if (!ascending) {
    throw new PlanRuleError('dunning.graceRetryDayOffsets', 'graceRetryDayOffsets must be strictly ascending integers ≥ 1');
  }
  if (!Number.isInteger(policy.holdRetryEveryDays) || policy.holdRetryEveryDays < 1 || policy.holdRetryEveryDays > 60) {
    throw new PlanRuleError('dunning.holdRetryEveryDays', 'holdRetryEveryDays must be an integer from 1 to 60');
  }
}

/**
 * What a subscriber was sold: once any subscription is on a plan, these never change (make a new
 * plan and move subscribers with a plan change instead). Name, trial and dunning may still change:
 * they apply to new subscriptions and to later dunning.
 */
export const TERMS_FIXED_IN_USE = ['product', 'price', 'currency', 'interval', 'autoRenew', 'intro'] as const;

/** The fixed terms `next` changes from `current`. */
export function changedTerms(current: Plan, next: Plan): (typeof TERMS_FIXED_IN_USE)[number][] {
  return TERMS_FIXED_IN_USE.filter((term) => canonical(current[term]) !== canonical(next[term]));
}

/** JSON with sorted keys: `{count, unit}` and `{unit, count}` are the same interval. */
function canonical(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
}
