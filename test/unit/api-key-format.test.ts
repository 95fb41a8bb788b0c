/** API key format, hashing and constant-time comparison; the Bearer header; rights. */
import { generateApiKey, formatApiKey, hashSecret, parseApiKey, secretMatches } from '../../src/auth/api-key-format';
import { bearerToken } from '../../src/auth/bearer-token';
import { rightAllows } from '../../src/auth/rights';

test('a generated key is sk_<16 hex>_<43 base64url>, carries 256 random bits and parses back', () => {
  const generated = generateApiKey();
  expect(generated.key).toMatch(/^sk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
  expect(Buffer.from(generated.secret, 'base64url')).toHaveLength(32);
  expect(parseApiKey(generated.key)).toEqual({ keyId: generated.keyId, secret: generated.secret });
  expect(formatApiKey(generated)).toBe(generated.key);
  expect(generated.secretHash.equals(hashSecret(generated.secret))).toBe(true);
});

test('keys are unique: ids and secrets never repeat', () => {
  const keys = Array.from({ length: 1000 }, generateApiKey);
  expect(new Set(keys.map((k) => k.keyId)).size).toBe(1000);
  expect(new Set(keys.map((k) => k.secret)).size).toBe(1000);
});

test.each([
  ['empty', ''],
  ['no prefix', 'abc'],
  ['wrong prefix', `pk_${'a'.repeat(16)}_${'A'.repeat(43)}`],
  ['short id', `sk_${'a'.repeat(15)}_${'A'.repeat(43)}`],
  ['upper-case id', `sk_${'A'.repeat(16)}_${'A'.repeat(43)}`],
  ['short secret', `sk_${'a'.repeat(16)}_${'A'.repeat(42)}`],
  ['long secret', `sk_${'a'.repeat(16)}_${'A'.repeat(44)}`],
  ['not base64url', `sk_${'a'.repeat(16)}_${'+'.repeat(43)}`],
  ['trailing space', `sk_${'a'.repeat(16)}_${'A'.repeat(43)} `],
])('parseApiKey rejects %s', (_what, text) => {
  expect(parseApiKey(text)).toBeUndefined();
});

test('hashSecret is sha256: 32 bytes, deterministic, different for different secrets', () => {
  expect(hashSecret('x')).toHaveLength(32);
  expect(hashSecret('x').toString('hex')).toBe('2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881');
  expect(hashSecret('x').equals(hashSecret('y'))).toBe(false);
});

test('secretMatches accepts only the secret whose hash is stored, and never throws on a bad stored hash', () => {
  const { secret, secretHash } = generateApiKey();
  expect(secretMatches(secret, secretHash)).toBe(true);
  expect(secretMatches(generateApiKey().secret, secretHash)).toBe(false);
  expect(secretMatches(`${secret.slice(0, -1)}A`, secretHash)).toBe(secret.endsWith('A'));
  expect(secretMatches(secret, Buffer.alloc(0))).toBe(false);
  expect(secretMatches(secret, Buffer.alloc(16))).toBe(false);
});

test.each([
  [undefined, undefined],
  ['', undefined],
  ['Bearer', undefined],
  ['Bearer ', undefined],
  ['Basic abc', undefined],
  ['Bearer a b', undefined],
  ['Bearer tok', 'tok'],
  ['bearer tok', 'tok'],
  ['BEARER  tok ', 'tok'],
])('bearerToken(%p) = %p', (header, token) => {
  expect(bearerToken(header)).toBe(token);
});

test.each([
  ['full', 'GET', true],
  ['full', 'POST', true],
  ['full', 'DELETE', true],
  ['read', 'GET', true],
  ['read', 'head', true],
  ['read', 'POST', false],
  ['read', 'PUT', false],
  ['read', 'PATCH', false],
  ['read', 'DELETE', false],
  ['read', 'OPTIONS', false],
] as const)('a %s key may %s: %p', (right, method, allowed) => {
  expect(rightAllows(right, method)).toBe(allowed);
});
