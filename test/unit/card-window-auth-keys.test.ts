/** The emulator card window's authKeys (src/emulator/card-window.ts): single use, ten minutes, swept once expired. */
import { WindowAuthKeys } from '../../src/emulator/card-window';
import { cardForNumber } from '../../src/emulator/test-cards';

const card = cardForNumber('4330000000000011');
const MINUTE = 60_000;

afterEach(() => jest.restoreAllMocks());

test('an authKey is good for one issuance by its customer', () => {
  const keys = new WindowAuthKeys();
  const authKey = keys.create('cust_a', card);
  expect(keys.isWindowKey(authKey)).toBe(true);
  expect(keys.take(authKey)).toMatchObject({ customerKey: 'cust_a', card });
  expect(keys.take(authKey)).toBeNull();
  expect(keys.take('bauth_unknown')).toBeNull();
});

test('an authKey expires after ten minutes, and a later create sweeps the keys nobody redeemed', () => {
  let now = Date.parse('2026-11-24T00:00:00Z');
  jest.spyOn(Date, 'now').mockImplementation(() => now);
  const keys = new WindowAuthKeys();
  const left = keys.create('cust_a', card);
  const late = keys.create('cust_b', card);
  now += 10 * MINUTE;
  expect(keys.take(late)).toBeNull();
  expect(keys.size).toBe(1);
  const fresh = keys.create('cust_c', card);
  expect(keys.size).toBe(1); // the abandoned key is gone; only the new one is held
  expect(keys.take(left)).toBeNull();
  expect(keys.take(fresh)).toMatchObject({ customerKey: 'cust_c' });
});
