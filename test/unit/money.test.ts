import { divideRoundHalfUp, formatMoney, vatBreakdown } from '../../src/domain/money';

test('divideRoundHalfUp rounds half up, exactly', () => {
  expect(divideRoundHalfUp(5, 2)).toBe(3);
  expect(divideRoundHalfUp(4, 2)).toBe(2);
  expect(divideRoundHalfUp(1, 3)).toBe(0);
  expect(divideRoundHalfUp(2, 3)).toBe(1);
  expect(divideRoundHalfUp(15, 10)).toBe(2);
  expect(divideRoundHalfUp(14, 10)).toBe(1);
  expect(() => divideRoundHalfUp(1, 0)).toThrow(RangeError);
  expect(() => divideRoundHalfUp(1.5, 2)).toThrow(RangeError);
});

test('Toss VAT: vat = round((total − taxFree) / 11), supplied = the rest', () => {
  expect(vatBreakdown(19_900)).toEqual({ totalAmount: 19_900, taxFreeAmount: 0, vat: 1_809, suppliedAmount: 18_091 });
  expect(vatBreakdown(4_900)).toEqual({ totalAmount: 4_900, taxFreeAmount: 0, vat: 445, suppliedAmount: 4_455 });
  expect(vatBreakdown(11_000, 1_000)).toEqual({ totalAmount: 11_000, taxFreeAmount: 1_000, vat: 909, suppliedAmount: 9_091 });
  expect(vatBreakdown(100)).toMatchObject({ vat: 9, suppliedAmount: 91 });
  expect(() => vatBreakdown(100, 200)).toThrow(RangeError);
  expect(() => vatBreakdown(-1)).toThrow(RangeError);
});

test('formatMoney knows minor units per currency', () => {
  expect(formatMoney(19_900, 'KRW')).toBe('₩19,900');
  expect(formatMoney(200, 'USD')).toBe('$2.00');
  expect(formatMoney(125, 'GBP')).toBe('£1.25');
});
