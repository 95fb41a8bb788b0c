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
  archived_at: Date | null;
  created_at: Date;
}

/** A plan as the API shows it: the plan, and whether it still takes new subscriptions. */
export type PlanRecord = Plan & { archivedAt: string | null; createdAt: string };

const recordOf = (row: PlanRow): PlanRecord => ({ ...toPlan(row), archivedAt: row.archived_at?.toISOString() ?? null, createdAt: row.created_at.toISOString() });

/** The definition columns of a plan, in the order the statements below bind them ($2…$12). */
const definition = (plan: Plan) => [
  plan.product, plan.name, plan.price, plan.currency, plan.interval.unit, plan.interval.count, plan.autoRenew, plan.trialDays ?? null,
  JSON.stringify(plan.dunning), plan.intro?.price ?? null, plan.intro?.periods ?? null,
];

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

  async list(options: { includeArchived?: boolean } = {}): Promise<PlanRecord[]> {
    const { rows } = await this.pool.query<PlanRow>(
      'SELECT * FROM plans WHERE $1 OR archived_at IS NULL ORDER BY product, price, id',
      [options.includeArchived ?? false],
    );
    return rows.map(recordOf);
  }

  /** The plan alone (what a workflow carries), whether archived or not. */
  async get(id: string): Promise<Plan | null> {
    const { rows } = await this.pool.query<PlanRow>('SELECT * FROM plans WHERE id = $1', [id]);
    return rows[0] ? toPlan(rows[0]) : null;
  }

  async record(id: string): Promise<PlanRecord | null> {
    const { rows } = await this.pool.query<PlanRow>('SELECT * FROM plans WHERE id = $1', [id]);
    return rows[0] ? recordOf(rows[0]) : null;
  }

  /** Creates the plan; answers the stored one, and whether this call created it (false: the id was taken). */
  async create(plan: Plan): Promise<{ record: PlanRecord; created: boolean }> {
    const inserted = await this.pool.query<PlanRow>(
      `INSERT INTO plans (id, product, name, price, currency, interval_unit, interval_count, auto_renew, trial_days, dunning, intro_price, intro_periods)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING RETURNING *`,
      [plan.id, ...definition(plan)],
    );
    if (inserted.rows[0]) return { record: recordOf(inserted.rows[0]), created: true };
    return { record: (await this.record(plan.id))!, created: false };
  }

  /** Replaces a plan's definition (the caller has checked what may change). */
  async update(plan: Plan): Promise<PlanRecord | null> {
    const { rows } = await this.pool.query<PlanRow>(
      `UPDATE plans SET product = $2, name = $3, price = $4, currency = $5, interval_unit = $6, interval_count = $7, auto_renew = $8,
              trial_days = $9, dunning = $10, intro_price = $11, intro_periods = $12, updated_at = now()
        WHERE id = $1 RETURNING *`,
      [plan.id, ...definition(plan)],
    );
    return rows[0] ? recordOf(rows[0]) : null;
  }

  /** Archives a plan (again: a no-op that keeps the first instant). */
  async archive(id: string): Promise<PlanRecord | null> {
    const { rows } = await this.pool.query<PlanRow>(
      'UPDATE plans SET archived_at = coalesce(archived_at, now()), updated_at = now() WHERE id = $1 RETURNING *',
      [id],
    );
    return rows[0] ? recordOf(rows[0]) : null;
  }

  /** Whether any subscription, running or ended, is on the plan or has a change to it scheduled. */
  async inUse(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `SELECT 1 FROM subscriptions WHERE plan_id = $1 OR snapshot -> 'pendingChange' ->> 'planId' = $1 LIMIT 1`,
      [id],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Inserts plans that do not exist yet; existing plans are never overwritten by a seed. */
  async insertMissing(plans: Plan[]): Promise<void> {
    for (const plan of plans) {
      await this.pool.query(
        `INSERT INTO plans (id, product, name, price, currency, interval_unit, interval_count, auto_renew, trial_days, dunning, intro_price, intro_periods)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (id) DO NOTHING`,
        [plan.id, ...definition(plan)],
      );
    }
  }
}
