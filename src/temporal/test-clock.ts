/**
 * The test clock of a simulation (docs/simulation.md): the time-skipping server's clock, moved
 * forward on request. An advance answers only once everything due by then has run: the server fires
 * the timers as it skips, and the worker is then watched until it has had nothing in flight — no
 * workflow task, no activity — for a quiet spell, so charges, projections and webhook deliveries
 * started by the last timers have settled.
 */
import { Mutex } from 'async-mutex';
import type { TestWorkflowEnvironment } from '@temporalio/testing';

export interface TestClock {
  nowMs(): Promise<number>;
  /**
   * Moves the clock to the instant `target` names for the clock's time when this advance's turn
   * comes (so two `P1D` advances at once move two days), and answers once what fell due has settled.
   * `target` may throw to refuse.
   */
  advance(target: (nowMs: number) => number): Promise<{ fromMs: number; nowMs: number }>;
}

export class SimulationNotSettled extends Error {}

export interface TestClockOptions {
  /** Work in flight in the worker (activations and activities). */
  inFlight: () => number;
  /** How long the worker must stay idle to count as settled. */
  quietMs?: number;
  /** An advance that has not settled by then fails (a receiver or gateway that hangs). */
  settleTimeoutMs?: number;
}

export function createTestClock(env: TestWorkflowEnvironment, opts: TestClockOptions): TestClock {
  const quietMs = opts.quietMs ?? 250;
  const timeoutMs = opts.settleTimeoutMs ?? 120_000;
  // One advance at a time: two callers moving the clock at once would each answer early.
  const turn = new Mutex();
  async function settled(): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let idleSince = Date.now();
    for (;;) {
      if (opts.inFlight() > 0) idleSince = Date.now();
      else if (Date.now() - idleSince >= quietMs) return;
      if (Date.now() > deadline) throw new SimulationNotSettled(`the worker still had work in flight after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  return {
    nowMs: () => env.currentTimeMs(),
    advance: (target) =>
      turn.runExclusive(async () => {
        // What earlier requests started (a create's first charge) runs at the time it was asked.
        await settled();
        const fromMs = await env.currentTimeMs();
        const targetMs = target(fromMs);
        if (targetMs > fromMs) await env.sleep(targetMs - fromMs);
        await settled();
        return { fromMs, nowMs: await env.currentTimeMs() };
      }),
  };
}
