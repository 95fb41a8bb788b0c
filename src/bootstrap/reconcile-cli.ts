/**
 * `npm run reconcile -- --day 2026-11-22 [--time-zone Asia/Seoul]`: runs the daily reconciliation
 * of one local day now (docs/reconciliation.md) and prints its result as JSON. The workflow runs
 * on the workers of a running system (`npm start`, cluster mode, compose): this command only
 * starts it — or attaches to the run of that day already in progress — and waits for the end.
 * Temporal is TEMPORAL_ADDRESS, or else the dev server of `npm start` on 127.0.0.1:TEMPORAL_PORT.
 *
 * Exit status: 0 when the day reconciled clean, 2 when it has open mismatches (listed by
 * `GET /v1/reconciliation/runs/<day>`), 1 when the run failed or could not be started.
 */
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../config';
import { isValidTimeZone } from '../domain/calendar';
import { parseLocalDate } from '../domain/local-date';
import { TASK_QUEUE } from '../temporal/task-queue';
import { manualReconciliationId, reconcileDay } from '../temporal/reconciliation-schedule';

const USAGE = 'usage: npm run reconcile -- --day YYYY-MM-DD [--time-zone Asia/Seoul]';

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { day: { type: 'string' }, 'time-zone': { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const day = values.day === undefined ? null : parseLocalDate(values.day);
  if (!day || positionals.length > 0) throw new UsageError(`--day needs a real date YYYY-MM-DD\n${USAGE}`);
  const timeZone = values['time-zone'];
  if (timeZone !== undefined && !isValidTimeZone(timeZone)) throw new UsageError(`unknown IANA time zone "${timeZone}"\n${USAGE}`);

  const config = loadConfig();
  const address = config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_PORT}`;
  const connection = await Connection.connect({ address }).catch((error: Error) => {
    throw new Error(`Temporal is not reachable at ${address} (${error.message}); start the system (npm start) or set TEMPORAL_ADDRESS`);
  });
  try {
    const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
    process.stderr.write(`reconciling ${day} (workflow ${manualReconciliationId(day)}) …\n`);
    const result = await reconcileDay(client, { day, taskQueue: TASK_QUEUE, ...(timeZone !== undefined ? { timeZone } : {}) });
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return result.openMismatches > 0 ? 2 : 0;
  } finally {
    await connection.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    process.stderr.write(`reconcile failed: ${error.message}${cause ? `: ${cause}` : ''}\n`);
    process.exit(error instanceof UsageError ? 64 : 1);
  },
);
