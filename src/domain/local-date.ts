/** Local calendar dates (`YYYY-MM-DD`) as they arrive in operation requests. */
import { Temporal } from 'temporal-polyfill';

/** The date in canonical form, or null when it is not a real calendar date. */
export function parseLocalDate(text: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return null;
  try {
    return Temporal.PlainDate.from(text, { overflow: 'reject' }).toString();
  } catch {
    return null;
  }
}
