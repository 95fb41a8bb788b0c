import { DefaultLogger, Runtime } from '@temporalio/worker';

/** Worker chatter (state changes, bundling, the expected activity failures of fault tests) would drown test output. */
export function quietTemporalLogs(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // Already installed in this process.
  }
}
