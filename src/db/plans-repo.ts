import type { Pool } from 'pg';
import type { Currency } from '../domain/money';
import type { DunningPolicy, Plan } from '../domain/plans';
import type { IntervalUnit } from '../domain/calendar';

interface PlanRow {
  id: string;
  product: string;
  name: string;
  price: number;
  currency: string;
  interval_unit: string;
  interval_count: number;
  auto_renew: boolean;
  trial_days: number | null;
  intro_price: number | null;
  intro_periods: number | null;
  dunning: DunningPolicy;
}

function toPlan(row: PlanRow): Plan {
  return {
    id: row.id,
    product: row.product,
    name: row.name,
    price: row.price,
    currency: row.currency as Currency,
    interval: { unit: row.interval_unit as IntervalUnit, count: row.interval_count },
    autoRenew: row.auto_renew,
    ...(row.trial_days === null ? {} : { trialDays: row.trial_days }),
    ...(row.intro_price === null || row.intro_periods === null ? {} : { intro: { price: Number(row.intro_price), periods: row.intro_periods } }),
    dunning: row.dunning,
  };
}

export class PlansRepo {
  constructor(private readonly pool: Pool) {}

  async list(): Promise<Plan[]> {
    const { rows } = await this.pool.query<PlanRow>('SELECT * FROM plans ORDER BY product, price, id');
    return rows.map(toPlan);
  }

  async get(id: string): Promise<Plan | null> {
    const { rows } = await this.pool.query<PlanRow>('SELECT * FROM plans WHERE id = $1', [id]);
    return rows[0] ? toPlan(rows[0]) : null;
  }

  /** Inserts plans that do not exist yet; existing plans are never overwritten by a seed. */
  async insertMissing(plans: Plan[]): Promise<void> {
    for (const plan of plans) {
      await this.pool.query(
        `INSERT INTO plans (id, product, name, price, currency, interval_unit, interval_count, auto_renew, trial_days, dunning, intro_price, intro_periods)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING`,
        [plan.id, plan.product, plan.name, plan.price, plan.currency, plan.interval.unit, plan.interval.count, plan.autoRenew, plan.trialDays ?? null, JSON.stringify(plan.dunning), plan.intro?.price ?? null, plan.intro?.periods ?? null],
      );
    }
  }
}
