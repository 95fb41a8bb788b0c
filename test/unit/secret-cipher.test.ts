import { SecretCipher } from '../../src/db/secret-cipher';

test('billing keys round-trip, never appear in the ciphertext, and tampering is detected', () => {
  const cipher = new SecretCipher(SecretCipher.generateKey());
  const sealed = cipher.encrypt('bk_secret_billing_key_123');
  expect(sealed).not.toContain('bk_secret');
  expect(cipher.encrypt('bk_secret_billing_key_123')).not.toBe(sealed); // random IV
  expect(cipher.decrypt(sealed)).toBe('bk_secret_billing_key_123');
  const parts = sealed.split('.');
  parts[3] = Buffer.from('tampered').toString('base64url');
  expect(() => cipher.decrypt(parts.join('.'))).toThrow();
  expect(() => new SecretCipher(SecretCipher.generateKey()).decrypt(sealed)).toThrow();
  expect(() => new SecretCipher('c2hvcnQ=')).toThrow(/32 bytes/);
});
