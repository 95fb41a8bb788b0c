/**
 * A child process kept running: restarted after it dies (a crash, a SIGKILL from the chaos suite)
 * with a short backoff, stopped with SIGTERM and then SIGKILL. Output goes to a private log file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { PRIVATE_FILE_MODE } from './private-files';

export interface SupervisedProcessOptions {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd?: string;
  logPath: string;
  /** Called each time the process has (re)started, with its pid. */
  onStart?: (pid: number) => void;
  onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

export interface SupervisedProcess {
  readonly name: string;
  /** The pid of the current incarnation (undefined while restarting). */
  pid(): number | undefined;
  restarts(): number;
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 15_000;

export function superviseProcess(opts: SupervisedProcessOptions): SupervisedProcess {
  let child: ChildProcess | undefined;
  let stopping = false;
  let restarts = 0;
  let restartTimer: NodeJS.Timeout | undefined;
  let startedAt = 0;

  const launch = () => {
    const log = openSync(opts.logPath, 'a', PRIVATE_FILE_MODE);
    child = spawn(opts.command, opts.args, { env: opts.env, cwd: opts.cwd, stdio: ['ignore', log, log] });
    closeSync(log);
    startedAt = Date.now();
    const current = child;
    if (current.pid !== undefined) opts.onStart?.(current.pid);
    current.once('exit', (code, signal) => {
      opts.onExit?.(code, signal);
      if (stopping || child !== current) return;
      child = undefined;
      restarts++;
      // A process that dies at once again and again is restarted more slowly (at most every 10 s).
      const delay = Date.now() - startedAt < 5_000 ? Math.min(10_000, 500 * 2 ** Math.min(restarts, 5)) : 500;
      restartTimer = setTimeout(launch, delay);
    });
  };
  launch();
  const killOnExit = () => child?.kill('SIGKILL');
  process.once('exit', killOnExit);

  return {
    name: opts.name,
    pid: () => child?.pid,
    restarts: () => restarts,
    stop: async () => {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      process.removeListener('exit', killOnExit);
      const current = child;
      if (!current || current.exitCode !== null || current.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => current.kill('SIGKILL'), STOP_GRACE_MS);
        current.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        current.kill('SIGTERM');
      });
    },
  };
}
