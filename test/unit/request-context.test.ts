/** Request ids: which incoming ids are kept, and how the logger's context puts the id on every line. */
import { acceptedRequestId } from '../../src/api/request-id';
import { createLogger, currentLogContext, runWithLogContext } from '../../src/logger';

test('an incoming X-Request-Id is kept when it is 1–128 characters of A-Z a-z 0-9 . _ -', () => {
  for (const ok of ['a', 'req-1', 'A.b_C-9', 'x'.repeat(128), '0f8fad5b-d9cb-469f-a165-70867728950e']) expect(acceptedRequestId(ok)).toBe(ok);
  for (const bad of ['', 'x'.repeat(129), 'a b', 'a,b', 'a/b', 'é', 'a\nb', undefined, ['a', 'b'], 42]) expect(acceptedRequestId(bad)).toBeUndefined();
});

test('lines written inside a context carry its requestId, also after awaits; an explicit field wins; outside, none', async () => {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('info', 'context-test', { write: (line: string) => void lines.push(JSON.parse(line)) });
  const child = logger.child({ component: 'x' });
  logger.info('before');
  await runWithLogContext({ requestId: 'r-1' }, async () => {
    logger.info('first');
    await new Promise((resolve) => setTimeout(resolve, 1));
    child.info({ extra: 1 }, 'after an await, from a child');
    logger.info({ requestId: 'explicit' }, 'explicit');
    expect(currentLogContext()).toEqual({ requestId: 'r-1' }); // the log calls did not write into the context
  });
  logger.info('after');
  expect(lines.map((l) => [l.msg, l.requestId])).toEqual([
    ['before', undefined],
    ['first', 'r-1'],
    ['after an await, from a child', 'r-1'],
    ['explicit', 'explicit'],
    ['after', undefined],
  ]);
  expect(lines[2]).toMatchObject({ component: 'x', extra: 1 });
});

test('redaction still applies', () => {
  const lines: string[] = [];
  const logger = createLogger('info', 'redact-test', { write: (line: string) => void lines.push(line) });
  runWithLogContext({ requestId: 'r-2' }, () => logger.info({ billingKey: 'bk_secret', req: { headers: { authorization: 'Bearer sk_x' } } }, 'secret'));
  expect(lines.join('')).not.toMatch(/bk_secret|sk_x/);
  expect(lines.join('')).toContain('"requestId":"r-2"');
});
