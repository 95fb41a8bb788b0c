/**
 * `npm run simulate`, timed: the README's session (a renewal, five declines through grace and
 * hold, recovery, then a year of monthly renewals) against the real command as a child process,
 * with the wall time of the year's advance as the API measured it and as the client waited.
 */
import { runReadmeSession, startSimulationProcess } from '../test/support/simulation-process';

export interface SimulationResult {
  yearAdvanceSeconds: number;
  yearClientSeconds: number;
  sessionSeconds: number;
  paidCycles: number;
  charged: number;
}

export async function runSimulation(): Promise<SimulationResult> {
  const sim = await startSimulationProcess();
  try {
    const session = await runReadmeSession(sim, 'cust_bench_sim');
    const charges = (await (await fetch(`${sim.emulator}/emulator/charges?customerKey=cust_bench_sim`)).json()) as { result: string }[];
    return {
      yearAdvanceSeconds: session.yearAdvanceWallMs / 1000,
      yearClientSeconds: session.yearClientMs / 1000,
      sessionSeconds: session.sessionMs / 1000,
      paidCycles: session.year.counters.paidCycles,
      charged: charges.filter((c) => c.result === 'DONE').length,
    };
  } finally {
    await sim.stop();
  }
}
