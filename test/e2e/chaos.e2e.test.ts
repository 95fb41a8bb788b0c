/**
 * The small version of `npm run chaos` (bench/chaos.ts): every fault scenario on a cluster-mode
 * stack with a few subscriptions each. Zero duplicates and zero misses, settled, is the only pass.
 */
import { runChaos } from '../../bench/chaos';

test('every fault scenario ends with each subscription charged exactly once in gateway, ledger and counters', async () => {
  const said: string[] = [];
  const results = await runChaos({ n: 12, settleWithinMs: 5 * 60_000, log: (m) => said.push(m) });
  expect(results.map((r) => r.scenario)).toEqual([
    'worker SIGKILL during the storm',
    'gateway answers lost (incident)',
    'PostgreSQL restart',
    'Temporal server restart',
    'API killed during keyed creates, then retried',
  ]);
  for (const r of results) {
    expect({ scenario: r.scenario, duplicates: r.duplicates, misses: r.misses, settled: r.settleSeconds !== null }).toEqual({ scenario: r.scenario, duplicates: 0, misses: 0, settled: true });
  }
}, 20 * 60_000);
