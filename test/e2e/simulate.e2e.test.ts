/**
 * End to end: `npm run simulate` as a child process on spare loopback ports, driven by the README's
 * simulation session over HTTP (test/support/simulation-process.ts): a renewal, declines, grace,
 * hold, recovery, then a year of renewals — each read right after its advance.
 */
import { runReadmeSession, startSimulationProcess, type SimulationProcess } from '../support/simulation-process';

let sim: SimulationProcess;

beforeAll(async () => {
  sim = await startSimulationProcess();
}, 150_000);

afterAll(async () => {
  await sim?.stop();
});

test('the README session: renewal, decline, grace, hold, recovery and a year, on the test clock', async () => {
  expect(sim.output()).toContain('running as a simulation');
  expect((await sim.call('GET', '/v1/test-clock')).status).toBe(200);

  const session = await runReadmeSession(sim);
  expect(session.statuses).toEqual({ afterRenewalDue: 'IN_GRACE_PERIOD', afterGrace: 'ON_HOLD', afterHold: 'ACTIVE' });
  expect(session.year.counters).toMatchObject({ paidCycles: 14, declinedAttempts: 5 });

  const charges = (await (await fetch(`${sim.emulator}/emulator/charges?customerKey=cust_sim`)).json()) as { result: string }[];
  expect(charges.filter((c) => c.result === 'DONE')).toHaveLength(14);
  const events = (await sim.call('GET', `/v1/events?subscriptionId=${session.subscriptionId}&limit=500`)).body.data as { type: string }[];
  expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['subscription.in_grace_period', 'subscription.on_hold', 'subscription.recovered']));
  expect(events.filter((e) => e.type === 'subscription.renewed')).toHaveLength(12);
});
