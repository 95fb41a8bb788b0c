/**
 * A port that is taken is named in the error (issue 8, item 6): one line with the port, its
 * setting and what to do, before anything starts; and a failed start prints readably whatever
 * was thrown.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres';
import { assertPortsFree, describeListenError, probePort, stackPortClaims } from '../../src/infra/ports';
import { describeStartupFailure, StartupError } from '../../src/infra/startup-error';
import { freePortBlock } from '../support/free-ports';

/** A listener on a loopback port chosen by the kernel, closed after the test. */
async function occupy(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

let taken: Awaited<ReturnType<typeof occupy>>;
beforeEach(async () => {
  taken = await occupy();
});
afterEach(() => taken.close());

test('a taken port is named with its setting and what to do', async () => {
  const error = await assertPortsFree([{ port: taken.port, setting: 'EMBEDDED_PG_PORT' }]).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(StartupError);
  expect((error as Error).message).toBe(`port ${taken.port} (EMBEDDED_PG_PORT) is already in use on 127.0.0.1; stop what uses it or set EMBEDDED_PG_PORT`);
  expect(describeStartupFailure(error)).toBe((error as Error).message); // one line, no stack
});

test('the first taken port among several is the one named; free ports pass', async () => {
  const free = await freePortBlock(2);
  await expect(assertPortsFree([{ port: free, setting: 'API_PORT' }, { port: free + 1, setting: 'EMULATOR_PORT' }])).resolves.toBeUndefined();
  await expect(assertPortsFree([{ port: free, setting: 'API_PORT' }, { port: taken.port, setting: 'TEMPORAL_UI_PORT' }])).rejects.toThrow(
    `port ${taken.port} (TEMPORAL_UI_PORT) is already in use`,
  );
  expect(await probePort(taken.port)).toBe('in-use');
});

test('one port set for two things is refused before anything is probed', async () => {
  await expect(assertPortsFree([{ port: 4999, setting: 'API_PORT' }, { port: 4999, setting: 'EMULATOR_PORT' }])).rejects.toThrow(
    'port 4999 is set for both API_PORT and EMULATOR_PORT; give each its own port',
  );
});

test('the stack checks exactly the ports it will bind', () => {
  const ports = { API_PORT: '3100', EMULATOR_PORT: '3101', TEMPORAL_PORT: '3102', TEMPORAL_UI_PORT: '3103', EMBEDDED_PG_PORT: '3104' };
  const claims = (env: Record<string, string>) => stackPortClaims(loadConfig({ ...ports, ...env })).map((c) => `${c.setting}=${c.port}`);
  expect(claims({})).toEqual(['EMBEDDED_PG_PORT=3104', 'TEMPORAL_PORT=3102', 'TEMPORAL_UI_PORT=3103', 'EMULATOR_PORT=3101', 'API_PORT=3100']);
  expect(claims({ DATABASE_URL: 'postgres://u:p@db:5432/x', TEMPORAL_ADDRESS: 'temporal:7233', TOSS_SECRET_KEY: 'test_sk_abc' })).toEqual(['API_PORT=3100']);
});

test('embedded PostgreSQL on a taken port: the port is named, nothing is created', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ports-test-'));
  try {
    await expect(startEmbeddedPostgres({ dataDir: path.join(dir, 'postgres'), port: taken.port, portSetting: 'EMBEDDED_PG_PORT', database: 'x' })).rejects.toThrow(
      `port ${taken.port} (EMBEDDED_PG_PORT) is already in use on 127.0.0.1; stop what uses it or set EMBEDDED_PG_PORT`,
    );
    expect(existsSync(path.join(dir, 'postgres'))).toBe(false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a PostgreSQL that cannot start is reported with its own words, not "undefined"', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'ports-test-'));
  chmodSync(dir, 0o755);
  const dataDir = path.join(dir, 'postgres');
  mkdirSync(dataDir, { mode: 0o700 });
  writeFileSync(path.join(dataDir, 'PG_VERSION'), '18\n'); // looks like a cluster, is not one
  try {
    const error = (await startEmbeddedPostgres({ dataDir, port: await freePortBlock(1), database: 'x' }).catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(new RegExp(`^embedded PostgreSQL did not start on port \\d+ with data directory ${dataDir}: .*PostgreSQL said: .*(FATAL|could not)`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a listen that loses the race is described the same way; other errors pass unchanged', () => {
  const inUse = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });
  expect((describeListenError(inUse, 3000) as Error).message).toBe('port 3000 is already in use on 127.0.0.1; stop what uses it or choose another port');
  const other = Object.assign(new Error('boom'), { code: 'EIO' });
  expect(describeListenError(other, 3000)).toBe(other);
});

test('whatever a failed start threw is printed readably', () => {
  expect(describeStartupFailure(undefined)).toBe('unknown error (undefined was thrown)');
  expect(describeStartupFailure('text')).toBe('text');
  expect(describeStartupFailure({ code: 1 })).toBe('{"code":1}');
  expect(describeStartupFailure(new Error('plain'))).toMatch(/^Error: plain\n\s+at /);
});

test('npm start with a taken port prints one line naming it and exits 1', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'ports-start-'));
  const free = await freePortBlock(4);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    API_PORT: String(free),
    EMULATOR_PORT: String(free + 1),
    TEMPORAL_PORT: String(free + 2),
    TEMPORAL_UI_PORT: String(free + 3),
    EMBEDDED_PG_PORT: String(taken.port),
    DATA_DIR: path.join(dataDir, '.data'),
    LOG_LEVEL: 'warn',
  };
  for (const key of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TOSS_SECRET_KEY']) delete env[key];
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/bootstrap/start.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.stdout.resume();
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(stderr.trim()).toBe(`start failed: port ${taken.port} (EMBEDDED_PG_PORT) is already in use on 127.0.0.1; stop what uses it or set EMBEDDED_PG_PORT`);
    expect(code).toBe(1);
    expect(existsSync(env.DATA_DIR!)).toBe(false); // checked before anything was started or created
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 60_000);
