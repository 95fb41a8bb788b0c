/**
 * The small version of `npm run chaos` (bench/chaos.ts), run as the command itself: every fault
 * scenario on a cluster-mode stack with a few subscriptions each. Zero duplicates and zero misses,
 * settled, is the only pass.
 */
import { execFile } from 'node:child_process';
import type { ChaosResult } from '../../bench/chaos';

function chaos(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'bench/chaos-cli.ts', ...args], { maxBuffer: 64 * 1024 * 1024, timeout: 18 * 60_000, killSignal: 'SIGTERM' }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

test('every fault scenario ends with each subscription charged exactly once in gateway, ledger and counters', async () => {
  const run = await chaos('--n', '12', '--no-docs', '--json');
  const lines = run.stdout.trim().split('\n');
  const results = JSON.parse(lines.at(-1) ?? '[]') as ChaosResult[];
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
  // The table the command prints names every scenario's outcome.
  expect(run.stdout).toContain('| worker SIGKILL during the storm | 12 |');
  expect(run.code).toBe(0);
}, 20 * 60_000);
