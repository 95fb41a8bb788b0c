/** A plan as the API answers it (docs/plans.md). */
import { z } from 'zod';
import { INTERVAL_UNITS } from '../../../domain/calendar';
import type { Currency } from '../../../domain/money';
import type { PlanRecord } from '../../../db/plans-repo';
import { sameType } from '../same-type';
import { INSTANT, MINOR_UNITS } from './common';

export const currency = z.enum(['KRW', 'JPY', 'USD', 'EUR', 'GBP']).meta({ id: 'Currency', description: 'ISO 4217; amounts are in its minor unit' });
sameType<z.output<typeof currency>, Currency>(true);

export const plan = z
  .object({
    id: z.string(),
    product: z.string().meta({ description: 'The tier; plans of one product are base plans of the same thing' }),
    name: z.string(),
    price: MINOR_UNITS,
    currency,
    interval: z.object({ unit: z.enum(INTERVAL_UNITS), count: z.number().int() }),
    autoRenew: z.boolean().meta({ description: 'false = prepaid: it ends at its expiry unless topped up' }),
    trialDays: z.number().int().optional(),
    intro: z.object({ price: MINOR_UNITS, periods: z.number().int() }).optional(),
    dunning: z.object({
      gracePeriodDays: z.number().int(),
      accountHoldDays: z.number().int(),
      graceRetryDayOffsets: z.array(z.number().int()),
      holdRetryEveryDays: z.number().int(),
    }),
    archivedAt: INSTANT.nullable(),
    createdAt: INSTANT,
  })
  .meta({ id: 'Plan' });
sameType<z.output<typeof plan>, PlanRecord>(true);

export const planList = z.object({ plans: z.array(plan) }).meta({ id: 'PlanList' });
