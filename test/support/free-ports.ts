/**
 * Free loopback ports for tests that start servers: chosen at random in 20000–31999, below the
 * kernel's ephemeral range (Linux: 32768–60999), so that outgoing connections do not take them in
 * the meantime, and checked free (a listen on 127.0.0.1, and no PostgreSQL socket lock file).
 * Another process may still take one before the test binds it; callers that can retry do.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { probePort } from '../../src/infra/ports';

const LOW = 20000;
const HIGH = 32000;
const ATTEMPTS = 200;

/** A PostgreSQL on this port (any data directory) holds /tmp/.s.PGSQL.<port>.lock. */
const pgSocketLocked = (port: number) => existsSync(`/tmp/.s.PGSQL.${port}.lock`) || existsSync(path.join(os.tmpdir(), `.s.PGSQL.${port}.lock`));

/** The first of `count` consecutive free ports. */
export async function freePortBlock(count = 1): Promise<number> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const base = LOW + Math.floor(Math.random() * (HIGH - LOW - count));
    let free = true;
    for (let port = base; free && port < base + count; port++) free = !pgSocketLocked(port) && (await probePort(port)) === 'free';
    if (free) return base;
  }
  throw new Error(`no ${count} consecutive free loopback ports found in ${LOW}–${HIGH - 1} after ${ATTEMPTS} tries`);
}

export const freePort = (): Promise<number> => freePortBlock(1);

/** The same, synchronously (for a module-level constant): the search runs in a short child process. */
export function freePortBlockSync(count = 1): number {
  const script = `
    const net = require('node:net');
    const fs = require('node:fs');
    const count = Number(process.argv[1]);
    const probe = (port) => new Promise((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
    });
    (async () => {
      for (let attempt = 0; attempt < ${ATTEMPTS}; attempt++) {
        const base = ${LOW} + Math.floor(Math.random() * (${HIGH - LOW} - count));
        let free = true;
        for (let port = base; free && port < base + count; port++) free = !fs.existsSync('/tmp/.s.PGSQL.' + port + '.lock') && (await probe(port));
        if (free) return process.stdout.write(String(base));
      }
      process.exit(1);
    })();`;
  const out = execFileSync(process.execPath, ['-e', script, String(count)], { encoding: 'utf8', timeout: 30_000 });
  const base = Number(out.trim());
  if (!Number.isInteger(base) || base < LOW) throw new Error(`no ${count} consecutive free loopback ports found (${out})`);
  return base;
}
