/**
 * API latency under concurrent clients, with autocannon: creates (a subscription that starts
 * tomorrow, so no gateway call is in the path) and an operation (cancel, each request on a
 * subscription of its own) at 1, 16 and 64 connections.
 */
import autocannon from 'autocannon';
import { registerCards, type ApiTarget } from './storm';

export interface LatencyRow {
  route: string;
  connections: number;
  requests: number;
  p50: number;
  p99: number;
  perSecond: number;
  non2xx: number;
}

function run(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

export async function runApiLatency(target: ApiTarget, opts: { levels: number[]; amount: (connections: number) => number; planId: string; label: string; log: (m: string) => void }): Promise<LatencyRow[]> {
  const customerKey = `${opts.label}-api`;
  const [paymentMethodId] = await registerCards(target, [customerKey]);
  const headers = { authorization: `Bearer ${target.apiKey}`, 'content-type': 'application/json' };
  const created: string[] = [];
  const rows: LatencyRow[] = [];
  for (const connections of opts.levels) {
    const amount = opts.amount(connections);
    opts.log(`api: ${amount} creates at ${connections} connections`);
    const result = await run({
      url: target.apiUrl,
      connections,
      amount,
      requests: [
        {
          method: 'POST',
          path: '/v1/subscriptions',
          headers,
          setupRequest: (request) => ({
            ...request,
            body: JSON.stringify({ customerKey, planId: opts.planId, paymentMethodId, startAt: new Date(Date.now() + 86_400_000).toISOString(), trial: false }),
          }),
          onResponse: (status, body) => {
            if (status === 201) created.push((JSON.parse(body) as { subscriptionId: string }).subscriptionId);
          },
        },
      ],
    });
    rows.push(rowOf('POST /v1/subscriptions', connections, result));
  }
  let next = 0;
  for (const connections of opts.levels) {
    const amount = Math.min(opts.amount(connections), created.length - next);
    opts.log(`api: ${amount} cancels at ${connections} connections`);
    const result = await run({
      url: target.apiUrl,
      connections,
      amount,
      requests: [{ method: 'POST', headers: { authorization: headers.authorization }, setupRequest: (request) => ({ ...request, path: `/v1/subscriptions/${created[next++]}/cancel` }) }],
    });
    rows.push(rowOf('POST /v1/subscriptions/{id}/cancel', connections, result));
  }
  return rows;
}

function rowOf(route: string, connections: number, result: autocannon.Result): LatencyRow {
  return {
    route,
    connections,
    requests: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    perSecond: result.requests.average,
    non2xx: result.non2xx,
  };
}
