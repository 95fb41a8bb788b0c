/** Runs the Temporal CLI dev server (SQLite persistence, Web UI) as a child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_KEYS } from '../temporal/search-attributes';
import { ensurePrivateDir, PRIVATE_FILE_MODE, tightenFile } from './private-files';

export interface DevServer {
  address: string;
  uiUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

const CLI_TYPES: Record<string, string> = { KEYWORD: 'Keyword', DATETIME: 'Datetime', BOOL: 'Bool', INT: 'Int', TEXT: 'Text', DOUBLE: 'Double' };

/**
 * What the benchmark showed matters on the dev server (docs/benchmarks.md; the README says what each
 * trades): SQLite in WAL mode with `synchronous=normal` stops serialising every write behind an
 * fsync (a power cut, not a crash, may lose the last moments), and eager activity execution hands a
 * workflow task's charge activity straight back to the worker that scheduled it.
 */
export const DEV_SERVER_TUNING = [
  '--sqlite-pragma', 'journal_mode=wal',
  '--sqlite-pragma', 'synchronous=normal',
  '--dynamic-config-value', 'system.enableActivityEagerExecution=true',
];

export async function startDevServer(opts: { cliPath: string; dataDir: string; port: number; uiPort: number; namespace: string }): Promise<DevServer> {
  // Private: 0700 folder, 0600 files (the SQLite database holds every workflow's history),
  // including files an earlier version left 0644.
  ensurePrivateDir(opts.dataDir);
  for (const name of readdirSync(opts.dataDir)) tightenFile(path.join(opts.dataDir, name));
  const searchAttributes = SEARCH_ATTRIBUTE_KEYS.flatMap((key) => ['--search-attribute', `${key.name}=${CLI_TYPES[key.type.toUpperCase()] ?? key.type}`]);
  const args = [
    'server', 'start-dev',
    '--db-filename', path.join(opts.dataDir, 'temporal.sqlite'),
    '--ip', '127.0.0.1',
    '--port', String(opts.port),
    '--ui-port', String(opts.uiPort),
    '--namespace', opts.namespace,
    '--log-level', 'warn',
    ...searchAttributes,
    ...DEV_SERVER_TUNING,
  ];
  const log = openSync(path.join(opts.dataDir, 'temporal-dev-server.log'), 'a', PRIVATE_FILE_MODE);
  // umask 077 in the child only, so that the files the server creates (temporal.sqlite and its
  // -wal/-shm companions) are 0600 from the start; `exec` keeps the server's pid the child's pid.
  const child =
    process.platform === 'win32'
      ? spawn(opts.cliPath, args, { stdio: ['ignore', log, log] })
      : spawn('/bin/sh', ['-c', 'umask 077 && exec "$0" "$@"', opts.cliPath, ...args], { stdio: ['ignore', log, log] });
  closeSync(log); // the child has its own copy
  // However this process ends (process.exit after Ctrl-C, an uncaught error), the dev
  // server must not outlive it holding the ports and the SQLite file.
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  const address = `127.0.0.1:${opts.port}`;
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`temporal dev server exited (code ${code}); see ${opts.dataDir}/temporal-dev-server.log`))),
  );
  exited.catch(() => {});
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const connection = await Promise.race([Connection.connect({ address, connectTimeout: 1000 }), exited]);
      await connection.workflowService.getSystemInfo({});
      await connection.close();
      break;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGTERM');
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
  return {
    address,
    uiUrl: `http://127.0.0.1:${opts.uiPort}`,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
