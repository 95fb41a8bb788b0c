/**
 * Money is an integer count of the currency's minor unit (docs/lifecycle.md §6). Every computed amount is
 * rounded half-up where it is computed; nothing here ever stores a float.
 */

/** ISO 4217 minor-unit exponents for the currencies plans may use. */
export const CURRENCY_EXPONENTS = { KRW: 0, JPY: 0, USD: 2, EUR: 2, GBP: 2 } as const;
export type Currency = keyof typeof CURRENCY_EXPONENTS;
export const CURRENCIES = Object.keys(CURRENCY_EXPONENTS) as Currency[];

export function isCurrency(code: string): code is Currency {
  return Object.prototype.hasOwnProperty.call(CURRENCY_EXPONENTS, code);
}

export function assertMinorUnits(amount: number, what = 'amount'): void {
  if (!Number.isSafeInteger(amount) || amount < 0) {
    throw new RangeError(`${what} must be a non-negative integer of minor units, got ${amount}`);
  }
}

/**
 * round(numerator / denominator) half-up, for non-negative integers, exact: the product of a
 * price and a day count stays far below 2^53, so no floating-point division decides a won.
 */
export function divideRoundHalfUp(numerator: number, denominator: number): number {
  if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator) || denominator <= 0 || numerator < 0) {
    throw new RangeError(`divideRoundHalfUp needs integers n ≥ 0, d > 0 (got ${numerator}/${denominator})`);
  }
  const quotient = Math.floor(numerator / denominator);
  const remainder = numerator - quotient * denominator;
  return remainder * 2 >= denominator ? quotient + 1 : quotient;
}

export interface VatBreakdown {
  totalAmount: number;
  taxFreeAmount: number;
  vat: number;
  suppliedAmount: number;
}

/** Toss receipt split: vat = round((total − taxFree) / 11), supplied = total − taxFree − vat. */
export function vatBreakdown(totalAmount: number, taxFreeAmount = 0): VatBreakdown {
  assertMinorUnits(totalAmount, 'totalAmount');
  assertMinorUnits(taxFreeAmount, 'taxFreeAmount');
  if (taxFreeAmount > totalAmount) throw new RangeError('taxFreeAmount exceeds totalAmount');
  const vat = divideRoundHalfUp(totalAmount - taxFreeAmount, 11);
  return { totalAmount, taxFreeAmount, vat, suppliedAmount: totalAmount - taxFreeAmount - vat };
}

/** One formatter per currency: building an Intl.NumberFormat costs far more than using one (docs/benchmarks.md). */
const formatters = new Map<Currency, Intl.NumberFormat>();

/** `₩19,900`, `$2.00`, `£1.25` — for summaries and receipts, never for arithmetic. */
export function formatMoney(amount: number, currency: Currency): string {
  const exponent = CURRENCY_EXPONENTS[currency];
  let formatter = formatters.get(currency);
  if (!formatter) {
    formatter = new Intl.NumberFormat('en-US', { style: 'currency', currency, minimumFractionDigits: exponent, maximumFractionDigits: exponent });
    formatters.set(currency, formatter);
  }
  return formatter.format(amount / 10 ** exponent);
}
