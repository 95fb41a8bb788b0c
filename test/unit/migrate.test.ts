/**
 * Split deployments start several processes on one database at once: the database is created when
 * missing, and concurrent migrations wait for each other instead of failing. Run as separate
 * processes (node-pg-migrate is ESM-only, and jest's module system cannot load it).
 */
import { execFile } from 'node:child_process';
import { Client } from 'pg';

const script = `
  const { migrate } = require('./src/db/migrate');
  migrate(process.env.TARGET_URL).then(() => process.stdout.write('migrated'), (e) => { process.stderr.write(String(e && e.message)); process.exit(1); });
`;

function migrateInChild(url: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', '-e', script], { env: { ...process.env, TARGET_URL: url } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

test('three processes migrating a database that does not exist yet: it is created once and all three succeed', async () => {
  const base = new URL(process.env.TEST_DATABASE_URL!);
  const name = `split_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
  const url = new URL(base);
  url.pathname = `/${name}`;
  const admin = new Client({ connectionString: Object.assign(new URL(base), { pathname: '/postgres' }).toString() });
  await admin.connect();
  try {
    const results = await Promise.all([1, 2, 3].map(() => migrateInChild(url.toString())));
    for (const r of results) expect(r).toEqual({ code: 0, out: 'migrated' });
    const db = new Client({ connectionString: url.toString() });
    await db.connect();
    try {
      const applied = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pgmigrations');
      const files = require('node:fs').readdirSync(require('node:path').join(__dirname, '../../src/db/migrations')).filter((f: string) => f.endsWith('.sql'));
      expect(applied.rows[0]!.n).toBe(files.length);
    } finally {
      await db.end();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}, 120_000);
