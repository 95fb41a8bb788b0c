/**
 * `npm run emulator`: the Toss Payments emulator alone (the docker-compose `emulator` service,
 * profile `emulator`). Point the API and the workers at it with TOSS_API_BASE_URL=http://<host>:<port>
 * and TOSS_SECRET_KEY=<its EMULATOR_SECRET_KEY>. It listens on EMULATOR_HOST (loopback unless set)
 * and EMULATOR_PORT, and keeps its journal in DATA_DIR. SIGINT/SIGTERM stop it after writing
 * everything to the journal.
 */
import type { Server } from 'node:http';
import path from 'node:path';
import { loadConfig } from '../config';
import { createTossEmulator } from '../emulator/emulator-app';
import { EMULATOR_STATE_FILE, type EmulatorStore } from '../emulator/emulator-store';
import { describeListenError } from '../infra/ports';
import { ensurePrivateDir } from '../infra/private-files';
import { describeStartupFailure } from '../infra/startup-error';

/** Requests still open this long after a stop signal are cut off. */
const DRAIN_MS = 5_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const host = config.EMULATOR_HOST;
  const port = config.EMULATOR_PORT;
  ensurePrivateDir(config.dataDir);
  const statePath = path.join(config.dataDir, EMULATOR_STATE_FILE);
  const emulator = createTossEmulator({ secretKey: config.EMULATOR_SECRET_KEY, latencyMs: config.EMULATOR_LATENCY_MS, statePath });
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = emulator.app.listen(port, host, () => resolve(listening));
    listening.once('error', (error) => reject(describeListenError(error, port, 'EMULATOR_PORT', host)));
  });
  process.stdout.write(`toss emulator listening on http://${host}:${port} (${describeState(statePath, emulator.store)})\n`);

  let stopping = false;
  const stop = () => {
    if (stopping) return process.exit(1); // a second signal: now (the exit hook still writes the journal)
    stopping = true;
    const cutOff = setTimeout(() => server.closeAllConnections(), DRAIN_MS);
    cutOff.unref();
    server.close(() => {
      try {
        emulator.store.close();
      } catch (error) {
        process.stderr.write(`toss emulator: could not write ${statePath}: ${(error as Error).message}\n`);
        process.exit(1);
      }
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

function describeState(statePath: string, store: EmulatorStore): string {
  const { journalLoad } = store;
  const notes = [
    journalLoad.migrated && 'migrated from the single-JSON format',
    journalLoad.tornTail && 'an unfinished last line was dropped',
    journalLoad.compacted && !journalLoad.migrated && !journalLoad.tornTail && 'compacted',
  ].filter(Boolean);
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  const counts = `${count(store.billingKeys.size, 'billing key')}, ${count(store.payments.size, 'payment')}, ${count(store.charges.length, 'charge')}`;
  return `state ${statePath}: ${counts}${notes.length ? `; ${notes.join(', ')}` : ''}`;
}

main().catch((error: unknown) => {
  process.stderr.write(`emulator failed: ${describeStartupFailure(error)}\n`);
  process.exit(1);
});
