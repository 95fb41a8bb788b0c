/**
 * The loopback ports the stack binds, checked before anything starts, so that a port in use is
 * reported as one line that names the port and its setting instead of a crash further down.
 */
import net from 'node:net';
import type { Config } from '../config';
import { StartupError } from './startup-error';

export interface PortClaim {
  port: number;
  /** The setting that chooses the port, e.g. `EMBEDDED_PG_PORT`. */
  setting?: string;
}

export const LOOPBACK = '127.0.0.1';

/** The ports `npm start` will listen on with this configuration. */
export function stackPortClaims(config: Config): PortClaim[] {
  const claims: PortClaim[] = [];
  if (!config.DATABASE_URL) claims.push({ port: config.EMBEDDED_PG_PORT, setting: 'EMBEDDED_PG_PORT' });
  if (!config.TEMPORAL_ADDRESS) {
    claims.push({ port: config.TEMPORAL_PORT, setting: 'TEMPORAL_PORT' }, { port: config.TEMPORAL_UI_PORT, setting: 'TEMPORAL_UI_PORT' });
  }
  if (!config.TOSS_SECRET_KEY) claims.push({ port: config.EMULATOR_PORT, setting: 'EMULATOR_PORT' });
  claims.push({ port: config.API_PORT, setting: 'API_PORT' });
  return claims;
}

export function portInUseMessage(port: number, setting?: string, host = LOOPBACK): string {
  return setting
    ? `port ${port} (${setting}) is already in use on ${host}; stop what uses it or set ${setting}`
    : `port ${port} is already in use on ${host}; stop what uses it or choose another port`;
}

/** Whether a listening socket can be bound to `host:port` right now: 'free', 'in-use' or 'denied'. */
export function probePort(port: number, host = LOOPBACK): Promise<'free' | 'in-use' | 'denied'> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve('in-use');
      else if (error.code === 'EACCES') resolve('denied');
      else reject(error);
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve('free')));
  });
}

/**
 * Fails with one line naming the first port that is taken (or set twice) among `claims`, e.g.
 * `port 5433 (EMBEDDED_PG_PORT) is already in use on 127.0.0.1; stop what uses it or set EMBEDDED_PG_PORT`.
 */
export async function assertPortsFree(claims: PortClaim[], host = LOOPBACK): Promise<void> {
  const seen = new Map<number, string>();
  for (const { port, setting = `port ${port}` } of claims) {
    const other = seen.get(port);
    if (other) throw new StartupError(`port ${port} is set for both ${other} and ${setting}; give each its own port`);
    seen.set(port, setting);
  }
  for (const { port, setting } of claims) {
    const state = await probePort(port, host);
    if (state === 'in-use') throw new StartupError(portInUseMessage(port, setting, host));
    if (state === 'denied') {
      throw new StartupError(`port ${port}${setting ? ` (${setting})` : ''} may not be used on ${host} (permission denied); choose a port above 1023${setting ? ` with ${setting}` : ''}`);
    }
  }
}

/** Turns a listen error into a readable one when the port is taken; other errors pass unchanged. */
export function describeListenError(error: unknown, port: number, setting?: string, host = LOOPBACK): unknown {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE' ? new StartupError(portInUseMessage(port, setting, host)) : error;
}
