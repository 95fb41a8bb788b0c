/**
 * `npm run api-keys -- create --name NAME [--read-only] | list | revoke <id>`: manages the API's
 * keys in its database: DATABASE_URL, or else the embedded PostgreSQL of a running `npm start`
 * (it lives only as long as that process, so this command does not start it itself).
 */
import { parseArgs } from 'node:util';
import type { Pool } from 'pg';
import { parseApiKey } from '../auth/api-key-format';
import { ApiKeysRepo, type ApiKeyInfo } from '../auth/api-keys-repo';
import { loadConfig } from '../config';
import { migrate } from '../db/migrate';
import { createPool } from '../db/pool';

const USAGE = 'usage: npm run api-keys -- create --name NAME [--read-only] | list | revoke <id>';

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { name: { type: 'string' }, 'read-only': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
  });
  const [command, ...rest] = positionals;
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  if (!command) throw new UsageError(USAGE);
  const run = commandFor(command, rest, values);
  const config = loadConfig();
  const databaseUrl = config.DATABASE_URL ?? `postgres://postgres:postgres@127.0.0.1:${config.EMBEDDED_PG_PORT}/subscriptions`;
  await reachable(databaseUrl, config.DATABASE_URL === undefined, config.EMBEDDED_PG_PORT);
  await migrate(databaseUrl);
  const pool = createPool(databaseUrl, 1);
  try {
    await run(pool);
  } finally {
    await pool.end();
  }
}

function commandFor(command: string, args: string[], values: { name?: string; 'read-only': boolean }): (pool: Pool) => Promise<void> {
  switch (command) {
    case 'create': {
      const name = values.name?.trim();
      if (!name || name.length > 200 || args.length > 0) throw new UsageError(`create needs --name NAME (1–200 characters)\n${USAGE}`);
      return async (pool) => {
        const { key, info } = await new ApiKeysRepo(pool).create({ name, right: values['read-only'] ? 'read' : 'full' });
        process.stdout.write(
          [`created API key ${info.id} "${info.name}" (${info.right})`, '', `  ${key}`, '', 'It is shown only now and stored only as a hash: keep it in a secret store.', ''].join('\n'),
        );
      };
    }
    case 'list':
      if (args.length > 0) throw new UsageError(USAGE);
      return async (pool) => {
        process.stdout.write(formatList(await new ApiKeysRepo(pool).list()));
      };
    case 'revoke': {
      const [target] = args;
      // The full key is accepted too: whoever holds it may revoke it.
      const id = target && (parseApiKey(target)?.keyId ?? target);
      if (!id || args.length !== 1) throw new UsageError(`revoke needs one key id (see list)\n${USAGE}`);
      return async (pool) => {
        const revoked = await new ApiKeysRepo(pool).revoke(id);
        if (!revoked) throw new Error(`no active API key with id ${id}`);
        process.stdout.write(`revoked API key ${id}; requests with it now answer 401\n`);
      };
    }
    default:
      throw new UsageError(`unknown command ${command}\n${USAGE}`);
  }
}

function formatList(keys: ApiKeyInfo[]): string {
  if (keys.length === 0) return 'no API keys (npm start creates one on a fresh database; or: npm run api-keys -- create --name NAME)\n';
  const iso = (d: Date | null) => (d ? d.toISOString() : '-');
  const rows = [['ID', 'NAME', 'RIGHT', 'CREATED', 'LAST USED', 'STATUS'], ...keys.map((k) => [k.id, k.name, k.right, iso(k.createdAt), iso(k.lastUsedAt), k.revokedAt ? `revoked ${iso(k.revokedAt)}` : 'active'])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

/** One clear line instead of a driver stack trace when there is no database to talk to. */
async function reachable(databaseUrl: string, embedded: boolean, port: number): Promise<void> {
  const pool = createPool(databaseUrl, 1);
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      embedded
        ? `cannot reach the embedded PostgreSQL on 127.0.0.1:${port} (${reason}): it runs only while npm start does; start it, or set DATABASE_URL`
        : `cannot reach DATABASE_URL (${reason})`,
    );
  } finally {
    await pool.end();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`api-keys: ${message}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
