/**
 * Strict input (issue 8, item 5): bodies that are not JSON answer 415 and change nothing, every
 * instant a client sends is bounded, impossible times and bad query values are 400, and a
 * property test shows that no accepted create can fail its workflow.
 */
import fc from 'fast-check';
import { workflowIdFor } from '../../src/temporal/task-queue';
import { startApiStack, type ApiStack } from './api-stack';

let stack: ApiStack;

beforeAll(async () => {
  stack = await startApiStack();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const YEAR_MS = 365 * 24 * 3600 * 1000;

async function activeSubscription(label: string): Promise<{ customerKey: string; id: string; version: number; paymentId: string }> {
  const customerKey = stack.parts.customerKey(label);
  const pm = await stack.card(customerKey);
  const res = await stack.api.post('/v1/subscriptions').send({ customerKey, planId: 'pro-monthly', paymentMethodId: pm, trial: false });
  expect(res.status).toBe(201);
  return { customerKey, id: res.body.subscriptionId, version: res.body.version, paymentId: res.body.lastPayment.paymentId };
}

const versionOf = async (id: string): Promise<number> => (await stack.api.get(`/v1/subscriptions/${id}`)).body.version;

describe('415 for a body that is not JSON; nothing changes', () => {
  test('cancel with text/plain "not json"', async () => {
    const sub = await activeSubscription('strict-415-cancel');
    const res = await stack.api.post(`/v1/subscriptions/${sub.id}/cancel`).set('content-type', 'text/plain').send('not json');
    expect([res.status, res.body.code]).toEqual([415, 'unsupported-media-type']);
    expect(await versionOf(sub.id)).toBe(sub.version);
    expect((await stack.api.get(`/v1/subscriptions/${sub.id}`)).body.status).toBe('ACTIVE');
  });

  test("refund with curl's default form content type refunds nothing", async () => {
    const sub = await activeSubscription('strict-415-refund');
    for (const body of ['{"amount":1000}', 'amount=1000']) {
      const res = await stack.api.post(`/v1/payments/${sub.paymentId}/refund`).set('content-type', 'application/x-www-form-urlencoded').send(body);
      expect([res.status, res.body.code]).toEqual([415, 'unsupported-media-type']);
    }
    const payment = (await stack.api.get(`/v1/payments/${sub.paymentId}`)).body;
    expect(payment.refunds).toEqual([]);
    expect(await versionOf(sub.id)).toBe(sub.version);
  });

  test('a body without a JSON content type is refused on every kind of POST', async () => {
    const sub = await activeSubscription('strict-415-each');
    const posts: [string, string][] = [
      [`/v1/subscriptions/${sub.id}/defer`, '{"until":"2099-01-01"}'],
      [`/v1/subscriptions/${sub.id}/revoke`, '{"refund":"full"}'],
      ['/v1/subscriptions', '{}'],
      [`/v1/customers/${sub.customerKey}/payment-methods`, '{"authKey":"auth_approve"}'],
      ['/v1/schedule-preview', '{}'],
    ];
    for (const [path, body] of posts) {
      for (const type of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x']) {
        const res = await stack.api.post(path).set('content-type', type).send(body);
        expect([path, type, res.status, res.body.code]).toEqual([path, type, 415, 'unsupported-media-type']);
      }
    }
    expect(await versionOf(sub.id)).toBe(sub.version);
    expect(stack.parts.charges(sub.customerKey)).toHaveLength(1);
  });

  test('a POST that takes no body accepts none or {} only', async () => {
    const sub = await activeSubscription('strict-nobody');
    const withBody = await stack.api.post(`/v1/subscriptions/${sub.id}/cancel`).send({ atPeriodEnd: false });
    expect([withBody.status, withBody.body.code]).toEqual([400, 'body-not-allowed']);
    const array = await stack.api.post(`/v1/subscriptions/${sub.id}/cancel`).send([]);
    expect([array.status, array.body.code]).toEqual([400, 'body-not-allowed']);
    expect(await versionOf(sub.id)).toBe(sub.version);
    // An empty body needs no content type at all.
    const empty = await stack.api.post(`/v1/subscriptions/${sub.id}/cancel`).set('content-type', 'text/plain').send('');
    expect([empty.status, empty.body.status]).toEqual([200, 'CANCELED']);
    expect((await stack.api.post(`/v1/subscriptions/${sub.id}/restore`).send({})).status).toBe(200);
  });

  test('application/*+json is read as JSON, not dropped', async () => {
    const res = await stack.api
      .post('/v1/schedule-preview')
      .set('content-type', 'application/vnd.api+json')
      .send(JSON.stringify({ interval: { unit: 'month', count: 1 }, anchor: '2025-01-31T00:30', count: 2 }));
    expect(res.status).toBe(200);
    expect(res.body.instants).toHaveLength(2);
  });
});

describe('bounded instants', () => {
  async function create(startAt: string) {
    const customerKey = stack.parts.customerKey('strict-start');
    const res = await stack.api.post('/v1/subscriptions').send({ customerKey, planId: 'pro-monthly', paymentMethodId: await stack.card(customerKey), startAt });
    return { res, customerKey };
  }

  test('startAt far in the future is 400 naming startAt; nothing is created', async () => {
    for (const startAt of ['9999-12-31T23:59:59Z', new Date(Date.now() + YEAR_MS + 2 * 24 * 3600_000).toISOString()]) {
      const { res, customerKey } = await create(startAt);
      expect([res.status, res.body.code]).toEqual([400, 'invalid-request']);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['startAt']);
      expect(await stack.rowsOf(customerKey)).toEqual([]);
    }
  });

  test('startAt just under a year ahead is accepted: INCOMPLETE until then, nothing charged', async () => {
    const { res } = await create(new Date(Date.now() + YEAR_MS - 3600_000).toISOString());
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: 'INCOMPLETE', counters: { chargeAttempts: 0 } });
  });

  test('a schedule-preview anchor more than a year ahead is 400', async () => {
    const res = await stack.api.post('/v1/schedule-preview').send({ interval: { unit: 'year', count: 1 }, anchor: '9999-12-31T23:59', count: 2 });
    expect([res.status, res.body.errors?.[0]?.field]).toEqual([400, 'anchor']);
  });
});

describe('impossible times and bad query values are 400', () => {
  test.each(['2025-01-31T23:59:60', '2025-13-01T00:00', '2025-00-10T00:00', '2025-04-31T00:00', '2025-01-01T24:00', '2025-01-01T12:60', '2025-1-01T00:00'])(
    'schedule-preview anchor %s',
    async (anchor) => {
      const res = await stack.api.post('/v1/schedule-preview').send({ interval: { unit: 'month', count: 1 }, anchor, count: 2 });
      expect([res.status, res.body.code, res.body.errors?.[0]?.field]).toEqual([400, 'invalid-request', 'anchor']);
    },
  );

  test('a defer to an impossible date is 400 at the edge', async () => {
    const sub = await activeSubscription('strict-defer');
    const res = await stack.api.post(`/v1/subscriptions/${sub.id}/defer`).send({ until: '2026-02-30' });
    expect([res.status, res.body.code, res.body.errors?.[0]?.field]).toEqual([400, 'invalid-request', 'until']);
  });

  test.each(['status=FOO', 'status=active', 'limit=abc', 'limit=0', 'limit=201', 'limit=1e2', 'limit=5&limit=6', 'customerKey=x', 'sort=asc'])(
    'GET /v1/subscriptions?%s',
    async (query) => {
      const res = await stack.api.get(`/v1/subscriptions?${query}`);
      expect([res.status, res.body.code]).toEqual([400, 'invalid-request']);
    },
  );

  test('the listing still takes every real status and a limit', async () => {
    const res = await stack.api.get('/v1/subscriptions?status=INCOMPLETE_EXPIRED&limit=5');
    expect(res.status).toBe(200);
  });

  test('an unknown authKey is 422 unknown-auth-key, not a gateway error', async () => {
    const customerKey = stack.parts.customerKey('strict-auth');
    const res = await stack.api.post(`/v1/customers/${customerKey}/payment-methods`).send({ authKey: 'no-such-auth-key' });
    expect([res.status, res.body.code, res.body.errors?.[0]?.field]).toEqual([422, 'unknown-auth-key', 'authKey']);
    expect((await stack.api.get(`/v1/customers/${customerKey}/payment-methods`)).body.paymentMethods).toEqual([]);
  });
});

describe('property: no accepted create fails its workflow', () => {
  const TIME_ZONES = [
    undefined,
    'Asia/Seoul',
    'UTC',
    'Etc/UTC',
    'America/New_York',
    'Europe/London',
    'Pacific/Kiritimati', // +14
    'Etc/GMT+12', // −12
    'Pacific/Chatham', // +12:45 / +13:45
    'Asia/Kathmandu', // +05:45
    'Australia/Lord_Howe', // half-hour DST
    'America/St_Johns', // −03:30
    'Antarctica/Troll', // two-hour DST
    'Africa/Casablanca', // DST suspended for Ramadan
    'America/Santiago',
    'Pacific/Apia',
  ];
  const OFFSETS = [0, 9 * 60, -12 * 60, 14 * 60, 5 * 60 + 45, -(3 * 60 + 30)];

  /** `ms` written with a UTC offset of `minutes` (ISO 8601, like a client in another zone would send it). */
  function isoWithOffset(ms: number, minutes: number): string {
    if (minutes === 0) return new Date(ms).toISOString();
    const local = new Date(ms + minutes * 60_000).toISOString().slice(0, 23);
    const sign = minutes < 0 ? '-' : '+';
    const abs = Math.abs(minutes);
    return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  }

  /** No failed workflow task, no activity retrying, not FAILED — once its first projection has landed. */
  async function expectHealthy(id: string, version: number): Promise<void> {
    const handle = stack.env.client.workflow.getHandle(workflowIdFor(id));
    const deadline = Date.now() + 15_000;
    let projected = -1;
    while (Date.now() < deadline) {
      const { rows } = await stack.parts.pool.query<{ version: number }>('SELECT version FROM subscriptions WHERE id = $1', [id]);
      projected = rows[0]?.version ?? -1;
      if (projected >= version) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const description = await handle.describe();
    const retrying = (description.raw.pendingActivities ?? []).filter((a) => (a.attempt ?? 1) > 1).map((a) => a.lastFailure?.message);
    const failedTasks = ((await handle.fetchHistory()).events ?? []).filter((e) => e.workflowTaskFailedEventAttributes || e.activityTaskFailedEventAttributes);
    expect({ id, status: description.status.name, projected: projected >= version, retrying, failedTasks: failedTasks.length }).toEqual({
      id,
      status: 'RUNNING',
      projected: true,
      retrying: [],
      failedTasks: 0,
    });
  }

  test('random valid-looking creates answer 201/402/4xx, never 5xx, and every workflow stays healthy', async () => {
    const planIds: string[] = (await stack.api.get('/v1/plans')).body.plans.map((p: { id: string }) => p.id);
    const request = fc.record({
      timeZone: fc.constantFrom(...TIME_ZONES),
      // Within the bound, with its edges: a minute from now up to a minute short of a year.
      startAt: fc.option(fc.tuple(fc.oneof(fc.constant(60_000), fc.constant(YEAR_MS - 60_000), fc.integer({ min: 60_000, max: YEAR_MS - 60_000 })), fc.constantFrom(...OFFSETS)), { nil: undefined }),
      trial: fc.option(fc.boolean(), { nil: undefined }),
      planId: fc.constantFrom(...planIds),
      card: fc.constantFrom('approve', 'approve', 'soft-decline', 'hard-decline'),
    });
    const created: { id: string; version: number }[] = [];
    await fc.assert(
      fc.asyncProperty(request, async (input) => {
        const customerKey = stack.parts.customerKey('prop');
        const body = {
          customerKey,
          planId: input.planId,
          paymentMethodId: await stack.card(customerKey, input.card),
          ...(input.timeZone !== undefined ? { timeZone: input.timeZone } : {}),
          ...(input.trial !== undefined ? { trial: input.trial } : {}),
          ...(input.startAt !== undefined ? { startAt: isoWithOffset(Date.now() + input.startAt[0], input.startAt[1]) } : {}),
        };
        const res = await stack.api.post('/v1/subscriptions').send(body);
        expect({ body, status: res.status < 500 }).toEqual({ body, status: true });
        const snapshot = res.status === 201 ? res.body : res.status === 402 ? res.body.subscription : null;
        if (snapshot) created.push({ id: snapshot.subscriptionId, version: snapshot.version });
      }),
      { numRuns: 40, endOnFailure: true },
    );
    expect(created.length).toBeGreaterThan(20);
    for (const { id, version } of created) await expectHealthy(id, version);
  }, 300_000);
});
