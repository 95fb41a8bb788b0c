/** The embedded PostgreSQL both start modes run when DATABASE_URL is unset: in DATA_DIR, database `subscriptions`. */
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../db/embedded-postgres';

export async function startAppPostgres(config: Config, logger: Logger): Promise<EmbeddedDatabase> {
  const db = await startEmbeddedPostgres({
    dataDir: path.join(config.dataDir, 'postgres'),
    port: config.EMBEDDED_PG_PORT,
    portSetting: 'EMBEDDED_PG_PORT',
    database: 'subscriptions',
    privateParent: true,
    log: (msg) => logger.warn(msg),
  });
  // As root, where the cluster had to go so that the postgres user can reach it.
  for (const note of db.notes) logger.warn({ postgresDataDir: db.dataDir }, note);
  return db;
}
