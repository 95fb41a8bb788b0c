/** Every machine code a rejection can carry is documented for clients, once. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROBLEM_CODES, problemTypeUri } from '../../src/api/problem-types';

const doc = readFileSync(path.join(__dirname, '..', '..', 'docs', 'api-errors.md'), 'utf8');

test.each([...PROBLEM_CODES])('%s is documented in docs/api-errors.md', (code) => {
  expect(doc).toContain(`| \`${code}\` |`);
});

test('codes are unique and URL-safe; the type URI ends in the code', () => {
  expect(new Set(PROBLEM_CODES).size).toBe(PROBLEM_CODES.length);
  for (const code of PROBLEM_CODES) {
    expect(code).toMatch(/^[a-z]+(-[a-z]+)*$/);
    expect(problemTypeUri(code).endsWith(`/problems/${code}`)).toBe(true);
  }
});
