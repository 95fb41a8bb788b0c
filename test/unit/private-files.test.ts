/**
 * Data files and folders are private (issue 8, item 6): 0700 folders and 0600 files from the
 * moment they exist, older 0644 files tightened on start; and the embedded PostgreSQL starts as
 * root from a data directory inside a private (0700) directory.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../../src/db/embedded-postgres';
import { loadOrCreateEncryptionKey } from '../../src/db/encryption-key';
import { EmulatorStore } from '../../src/emulator/emulator-store';
import { startDevServer } from '../../src/infra/dev-server';
import { createPrivateFileExclusive, ensurePrivateDir, tightenFile, writePrivateFileAtomic } from '../../src/infra/private-files';
import { StartupError } from '../../src/infra/startup-error';
import { freePort } from '../support/free-ports';

const mode = (file: string) => statSync(file).mode & 0o7777;
let tmp: string;
let savedUmask: number;

beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'private-files-'));
  // The most permissive umask: whatever is private below is private because we made it so.
  savedUmask = process.umask(0);
});
afterEach(() => {
  process.umask(savedUmask);
  rmSync(tmp, { recursive: true, force: true });
});

describe('folders', () => {
  test('a new data directory (and missing parents) is created 0700', () => {
    const dir = path.join(tmp, 'a', 'b', '.data');
    ensurePrivateDir(dir);
    expect(mode(dir)).toBe(0o700);
    expect(mode(path.join(tmp, 'a'))).toBe(0o700);
  });

  test('an existing 0755 data directory is tightened to 0700; group search alone (0710) is kept', () => {
    const open = path.join(tmp, 'open');
    mkdirSync(open, { mode: 0o755 });
    ensurePrivateDir(open);
    expect(mode(open)).toBe(0o700);
    const searchable = path.join(tmp, 'searchable');
    mkdirSync(searchable);
    chmodSync(searchable, 0o710);
    ensurePrivateDir(searchable);
    expect(mode(searchable)).toBe(0o710);
  });

  test('a shared sticky directory such as /tmp is never made private; the error says why', () => {
    const shared = path.join(tmp, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    expect(() => ensurePrivateDir(shared)).toThrow(StartupError);
    expect(() => ensurePrivateDir(shared)).toThrow(/shared directory/);
    expect(mode(shared)).toBe(0o1777);
  });
});

describe('files', () => {
  test('written atomically as 0600, also when replacing a 0644 file; no temporary file is left', () => {
    const file = path.join(tmp, 'state.json');
    writePrivateFileAtomic(file, 'one');
    expect(mode(file)).toBe(0o600);
    writeFileSync(file, 'old', { mode: 0o644 });
    chmodSync(file, 0o644);
    writePrivateFileAtomic(file, 'two');
    expect(readFileSync(file, 'utf8')).toBe('two');
    expect(mode(file)).toBe(0o600);
    expect(readdirSync(tmp)).toEqual(['state.json']);
  });

  test('created exclusively: the first writer wins, the second changes nothing', () => {
    const file = path.join(tmp, 'key');
    expect(createPrivateFileExclusive(file, 'first')).toBe(true);
    expect(createPrivateFileExclusive(file, 'second')).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe('first');
    expect(mode(file)).toBe(0o600);
    expect(readdirSync(tmp)).toEqual(['key']);
  });

  test('tightenFile makes 0644 into 0600 and ignores a missing file', () => {
    const file = path.join(tmp, 'loose');
    writeFileSync(file, 'x');
    chmodSync(file, 0o644);
    tightenFile(file);
    expect(mode(file)).toBe(0o600);
    expect(() => tightenFile(path.join(tmp, 'missing'))).not.toThrow();
  });
});

describe('the encryption key file', () => {
  test('is generated once, 0600, in a 0700 data directory', () => {
    const dataDir = path.join(tmp, '.data');
    const key = loadOrCreateEncryptionKey(undefined, dataDir);
    const file = path.join(dataDir, 'billing-key-encryption.key');
    expect(mode(file)).toBe(0o600);
    expect(mode(dataDir)).toBe(0o700);
    expect(loadOrCreateEncryptionKey(undefined, dataDir)).toBe(key);
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
  });

  test('an existing 0644 key file is tightened and its key kept', () => {
    const dataDir = path.join(tmp, '.data');
    mkdirSync(dataDir);
    const file = path.join(dataDir, 'billing-key-encryption.key');
    const existing = Buffer.alloc(32, 7).toString('base64');
    writeFileSync(file, `${existing}\n`);
    chmodSync(file, 0o644);
    expect(loadOrCreateEncryptionKey(undefined, dataDir)).toBe(existing);
    expect(mode(file)).toBe(0o600);
  });

  test('a configured key touches no file', () => {
    const dataDir = path.join(tmp, '.data');
    expect(loadOrCreateEncryptionKey('configured', dataDir)).toBe('configured');
    expect(existsSync(dataDir)).toBe(false);
  });
});

describe('the emulator state file (plaintext billing keys)', () => {
  const billingKey = { authorization: { billingKey: 'bk_secret' }, card: {} } as never;

  test('is written 0600', () => {
    const file = path.join(tmp, 'toss-emulator-state.json');
    const store = new EmulatorStore(file);
    store.billingKeys.set('bk_secret', billingKey);
    store.flush();
    expect(mode(file)).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8')).billingKeys.bk_secret).toBeDefined();
    expect(readdirSync(tmp)).toEqual(['toss-emulator-state.json']);
  });

  test('an existing 0644 file is tightened when the emulator starts, and a stale temporary file removed', () => {
    const file = path.join(tmp, 'toss-emulator-state.json');
    const content = JSON.stringify({ billingKeys: { bk_secret: billingKey }, payments: {}, charges: [] });
    writeFileSync(file, content);
    chmodSync(file, 0o644);
    writeFileSync(`${file}.tmp`, content);
    const store = new EmulatorStore(file);
    expect(mode(file)).toBe(0o600);
    expect(existsSync(`${file}.tmp`)).toBe(false);
    expect(store.billingKeys.has('bk_secret')).toBe(true);
  });
});

test("the Temporal dev server's folder is 0700 and its files (SQLite, log) 0600, old ones tightened", async () => {
  const dir = path.join(tmp, 'temporal');
  mkdirSync(dir, { mode: 0o755 });
  writeFileSync(path.join(dir, 'temporal.sqlite-wal'), 'old');
  chmodSync(path.join(dir, 'temporal.sqlite-wal'), 0o644);
  // A stand-in CLI: writes the database file as the real one would (mode 0644 under its umask), then exits.
  const cli = path.join(tmp, 'fake-temporal');
  writeFileSync(cli, '#!/bin/sh\nwhile [ $# -gt 0 ]; do [ "$1" = --db-filename ] && echo db > "$2"; shift; done\nexit 3\n');
  chmodSync(cli, 0o755);
  await expect(startDevServer({ cliPath: cli, dataDir: dir, port: await freePort(), uiPort: await freePort(), namespace: 'default' })).rejects.toThrow(/exited \(code 3\)/);
  expect(mode(dir)).toBe(0o700);
  expect(mode(path.join(dir, 'temporal.sqlite'))).toBe(0o600);
  expect(mode(path.join(dir, 'temporal.sqlite-wal'))).toBe(0o600);
  expect(mode(path.join(dir, 'temporal-dev-server.log'))).toBe(0o600);
});

describe('embedded PostgreSQL from a data directory inside a private (0700) directory', () => {
  const isRoot = process.getuid?.() === 0;
  const postgresUid = () => Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());

  async function query(url: string, sql: string) {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query(sql)).rows;
    } finally {
      await client.end();
    }
  }

  test(`starts, and keeps its data across a restart (${isRoot ? 'as root: relocated, as the postgres user' : 'not root: in place'})`, async () => {
    chmodSync(tmp, 0o755);
    const home = path.join(tmp, 'home'); // like /root: 0700, owned by us
    mkdirSync(home, { mode: 0o700 });
    const dataDir = path.join(home, 'app', '.data');
    ensurePrivateDir(dataDir);
    const requested = path.join(dataDir, 'postgres');
    const relocationRoot = path.join(tmp, 'var-lib'); // stands in for /var/lib/subscription-orchestrator (reachable)
    const start = async () => startEmbeddedPostgres({ dataDir: requested, port: await freePort(), database: 'private_test', privateParent: true, relocationRoot });

    const db = await start();
    try {
      await query(db.url, 'CREATE TABLE kept (id int); INSERT INTO kept VALUES (42)');
    } finally {
      await db.stop();
    }
    if (isRoot) {
      expect(db.dataDir.startsWith(`${relocationRoot}/`)).toBe(true);
      expect(lstatSync(requested).isSymbolicLink()).toBe(true);
      expect(readlinkSync(requested)).toBe(db.dataDir);
      expect(statSync(db.dataDir).uid).toBe(postgresUid());
      expect(db.notes.join('\n')).toContain(db.dataDir);
    } else {
      expect(db.dataDir).toBe(requested);
      expect(db.notes).toEqual([]);
    }
    expect(mode(db.dataDir)).toBe(0o700);
    expect(mode(home)).toBe(0o700);
    expect(mode(dataDir)).toBe(0o700);

    const again = await start();
    try {
      expect(again.dataDir).toBe(db.dataDir);
      expect(await query(again.url, 'SELECT id FROM kept')).toEqual([{ id: 42 }]);
    } finally {
      await again.stop();
    }
  });

  test(`${isRoot ? 'as root, a private data directory in a reachable place lets the postgres user through (0710, group postgres)' : 'not root, a private data directory in a reachable place stays 0700'}`, async () => {
    chmodSync(tmp, 0o755);
    const open = path.join(tmp, 'srv'); // like /work or /srv: reachable by everyone
    mkdirSync(open, { mode: 0o755 });
    const dataDir = path.join(open, '.data');
    ensurePrivateDir(dataDir);
    const requested = path.join(dataDir, 'postgres');
    const db = await startEmbeddedPostgres({ dataDir: requested, port: await freePort(), database: 'private_test', privateParent: true, relocationRoot: path.join(tmp, 'var-lib') });
    try {
      expect(await query(db.url, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
    } finally {
      await db.stop();
    }
    expect(db.dataDir).toBe(requested);
    expect(mode(requested)).toBe(0o700);
    if (isRoot) {
      expect(mode(dataDir)).toBe(0o710);
      expect(statSync(dataDir).gid).toBe(Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()));
    } else {
      expect(mode(dataDir)).toBe(0o700);
    }
  });
});
