/**
 * Cluster mode's Temporal: the real server binary (not the CLI's dev server) on PostgreSQL, with
 * SQL visibility, its own two databases, a shard count chosen once, and the namespace and search
 * attributes registered. The README's "Cluster mode" section says what each part is for.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { Client } from 'pg';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { SEARCH_ATTRIBUTE_KEYS } from '../temporal/search-attributes';
import { ensurePrivateDir, PRIVATE_FILE_MODE, writePrivateFileAtomic } from './private-files';
import { StartupError } from './startup-error';
import type { TemporalServerBinaries } from './temporal-binaries';

const run = promisify(execFile);

export interface ClusterPostgres {
  host: string;
  port: number;
  user: string;
  password: string;
}

export interface ClusterServerOptions {
  binaries: TemporalServerBinaries;
  /** Holds the generated config, the server's log and the shard-count record. */
  dataDir: string;
  postgres: ClusterPostgres;
  /** The frontend's gRPC port; the other services take the next eight (see `clusterPorts`). */
  port: number;
  /** History shards: fixed when the schema is first created. */
  shards: number;
  namespace: string;
  /** Days a closed workflow's history is kept. */
  retentionDays?: number;
  /** Temporal's databases commit without waiting for the disk (see `setCommitMode`). */
  asyncCommit?: boolean;
}

export interface ClusterServer {
  address: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Every port the server binds, from the frontend's: a block of nine, all on loopback. */
export function clusterPorts(frontend: number) {
  return {
    frontend,
    history: frontend + 1,
    matching: frontend + 2,
    worker: frontend + 3,
    frontendHttp: frontend + 4,
    frontendMembership: frontend + 5,
    historyMembership: frontend + 6,
    matchingMembership: frontend + 7,
    workerMembership: frontend + 8,
  };
}

export const TEMPORAL_DATABASES = { main: 'temporal', visibility: 'temporal_visibility' } as const;

/**
 * Dynamic config of the cluster (values the benchmark showed matter are explained in
 * docs/benchmarks.md): eager activity execution on, search attributes read fresh after we add them.
 */
const DYNAMIC_CONFIG: Record<string, unknown> = {
  'system.enableActivityEagerExecution': [{ value: true, constraints: {} }],
  'system.forceSearchAttributesCacheRefreshOnRead': [{ value: true, constraints: {} }],
  'frontend.enableExecuteMultiOperation': [{ value: true, constraints: {} }],
  'history.hostLevelCacheMaxSize': [{ value: 16384, constraints: {} }],
  'limit.maxIDLength': [{ value: 255, constraints: {} }],
};

function serverConfig(opts: ClusterServerOptions, dynamicConfigPath: string) {
  const ports = clusterPorts(opts.port);
  const store = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${opts.postgres.host}:${opts.postgres.port}`,
      connectProtocol: 'tcp',
      user: opts.postgres.user,
      password: opts.postgres.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const service = (grpcPort: number, membershipPort: number, extra: Record<string, unknown> = {}) => ({
    rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...extra },
  });
  return {
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: opts.shards,
      // Per service (four in this process): 4 × (12 + 4) connections of the embedded PostgreSQL's 300.
      datastores: { 'postgres-default': store(TEMPORAL_DATABASES.main, 12), 'postgres-visibility': store(TEMPORAL_DATABASES.visibility, 4) },
    },
    global: { membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' } },
    services: {
      frontend: service(ports.frontend, ports.frontendMembership, { httpPort: ports.frontendHttp }),
      history: service(ports.history, ports.historyMembership),
      matching: service(ports.matching, ports.matchingMembership),
      worker: service(ports.worker, ports.workerMembership),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${ports.frontend}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: dynamicConfigPath, pollInterval: '10s' },
  };
}

/** Creates both databases and brings their schemas to the binary's version (idempotent). */
async function prepareSchemas(opts: ClusterServerOptions): Promise<void> {
  const { host, port, user, password } = opts.postgres;
  const base = ['--plugin', 'postgres12', '--endpoint', host, '--port', String(port), '--user', user];
  // The password goes through the environment, not the command line other users can read.
  const env = { ...process.env, SQL_PASSWORD: password };
  const tool = async (database: string, args: string[]) => {
    try {
      await run(opts.binaries.sqlTool, [...base, '--database', database, ...args], { env });
    } catch (error) {
      const { stderr, message } = error as { stderr?: string; message: string };
      throw new StartupError(`temporal-sql-tool ${args[0]} on ${database} failed: ${(stderr || message).trim().split('\n').slice(-3).join(' ')}`);
    }
  };
  for (const [kind, database] of Object.entries(TEMPORAL_DATABASES)) {
    const schemaName = `postgresql/v12/${kind === 'main' ? 'temporal' : 'visibility'}`;
    await tool(database, ['create-database']).catch((error: Error) => {
      if (!/already exists/i.test(error.message)) throw error;
    });
    // Version 0.0 only once: afterwards update-schema moves it forward, as a server upgrade would.
    await tool(database, ['setup-schema', '-v', '0.0']).catch((error: Error) => {
      if (!/already exists|schema_version/i.test(error.message)) throw error;
    });
    await tool(database, ['update-schema', '--schema-name', schemaName]);
  }
  await setCommitMode(opts.postgres, opts.asyncCommit ?? false);
}

/**
 * `TEMPORAL_DB_ASYNC_COMMIT`: Temporal's own databases commit without waiting for the disk flush
 * (docs/benchmarks.md measured what it buys). Off by default, because a PostgreSQL crash (not a
 * clean restart) may then lose the last ~0.6 s of Temporal's commits, including an Update the API
 * already answered: a cancel answered 200 could be rolled back and the next renewal charged. No
 * charge is repeated (deterministic order ids, looked up before any retry) and no ledger row is lost
 * (the ledger's durable commits flush the shared WAL), but an answered change can be. Every start
 * sets the chosen mode, so switching it back takes effect.
 */
async function setCommitMode(postgres: ClusterPostgres, asyncCommit: boolean): Promise<void> {
  const client = new Client({ host: postgres.host, port: postgres.port, user: postgres.user, password: postgres.password, database: 'postgres' });
  await client.connect();
  try {
    for (const database of Object.values(TEMPORAL_DATABASES)) {
      await client.query(asyncCommit ? `ALTER DATABASE "${database}" SET synchronous_commit = off` : `ALTER DATABASE "${database}" RESET synchronous_commit`);
    }
  } finally {
    await client.end();
  }
}

/** The shard count is fixed by the first start; a different setting later is refused with the reason. */
function checkShards(dataDir: string, shards: number): void {
  const record = path.join(dataDir, 'history-shards');
  if (existsSync(record)) {
    const fixed = Number(readFileSync(record, 'utf8').trim());
    if (fixed !== shards) {
      throw new StartupError(`this cluster was created with ${fixed} history shards and that cannot change; set TEMPORAL_SHARDS=${fixed} or remove ${dataDir} and the temporal databases to start over`);
    }
    return;
  }
  writePrivateFileAtomic(record, `${shards}\n`);
}

export async function startClusterServer(opts: ClusterServerOptions): Promise<ClusterServer> {
  ensurePrivateDir(opts.dataDir);
  checkShards(opts.dataDir, opts.shards);
  await prepareSchemas(opts);
  const configDir = path.join(opts.dataDir, 'config');
  ensurePrivateDir(configDir);
  const dynamicConfigPath = path.join(configDir, 'dynamicconfig.yaml');
  // YAML is a superset of JSON: the generated files need no YAML library.
  writeFileSync(dynamicConfigPath, JSON.stringify(DYNAMIC_CONFIG, null, 2), { mode: PRIVATE_FILE_MODE });
  writePrivateFileAtomic(path.join(configDir, 'cluster.yaml'), JSON.stringify(serverConfig(opts, dynamicConfigPath), null, 2));

  const logPath = path.join(opts.dataDir, 'temporal-server.log');
  const log = openSync(logPath, 'a', PRIVATE_FILE_MODE);
  const child = spawn(opts.binaries.server, ['--root', opts.dataDir, '--config', 'config', '--env', 'cluster', '--allow-no-auth', 'start'], {
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  const address = `127.0.0.1:${opts.port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      // A server that does not finish its graceful stop in 30 s is killed.
      const force = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill('SIGTERM');
    });
  try {
    const connection = await connectWhenUp(address, child, logPath);
    try {
      await registerNamespace(connection, opts.namespace, opts.retentionDays ?? 3);
      await registerSearchAttributes(connection, opts.namespace);
    } finally {
      await connection.close();
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { address, process: child, stop };
}

async function connectWhenUp(address: string, child: ChildProcess, logPath: string): Promise<Connection> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new StartupError(`the Temporal server exited (code ${child.exitCode}); see ${logPath}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      await connection.workflowService.getSystemInfo({});
      return connection;
    } catch (error) {
      if (Date.now() > deadline) throw new StartupError(`the Temporal server did not answer on ${address} within 120 s (${(error as Error).message}); see ${logPath}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

const ALREADY_EXISTS = 6; // gRPC status

async function registerNamespace(connection: Connection, namespace: string, retentionDays: number): Promise<void> {
  try {
    await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs(retentionDays * 86_400_000) });
  } catch (error) {
    if ((error as { code?: number }).code !== ALREADY_EXISTS) throw error;
  }
  // The frontend learns of a new namespace through its cache: wait until it answers for it.
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await connection.workflowService.describeNamespace({ namespace });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

const INDEXED_TYPES: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  DATETIME: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
  BOOL: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
  INT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DOUBLE: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DOUBLE,
  TEXT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_TEXT,
};

async function registerSearchAttributes(connection: Connection, namespace: string): Promise<void> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = SEARCH_ATTRIBUTE_KEYS.filter((key) => !(key.name in (existing.customAttributes ?? {})));
  if (missing.length === 0) return;
  const searchAttributes = Object.fromEntries(missing.map((key) => [key.name, INDEXED_TYPES[key.type.toUpperCase()]!]));
  await connection.operatorService.addSearchAttributes({ namespace, searchAttributes });
}
