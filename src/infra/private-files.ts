/**
 * Files and folders that hold data (the data directory, plaintext emulator billing keys, the
 * encryption key, Temporal's SQLite file) are private to the user that runs the system: folders
 * 0700, files 0600, from the moment they exist. Existing looser ones are tightened on start.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { StartupError } from './startup-error';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

const code = (error: unknown) => (error as NodeJS.ErrnoException | undefined)?.code;

/**
 * Creates `dir` (and missing parents) with mode 0700, and takes group and other access away from
 * an existing one. Group search alone (0710) is kept: as root, that is how the `postgres` user is
 * let through to the embedded PostgreSQL cluster without being able to list or read anything.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const stat = statSync(dir);
  if (!stat.isDirectory()) throw new StartupError(`${dir} is not a directory`);
  if ((stat.mode & 0o1002) === 0o1002) {
    throw new StartupError(`${dir} is a shared directory (world-writable, sticky bit); use a directory of its own for the data`);
  }
  if ((stat.mode & 0o067) === 0) return;
  try {
    chmodSync(dir, PRIVATE_DIR_MODE);
  } catch (error) {
    throw new StartupError(`cannot make ${dir} private (chmod 700: ${code(error) ?? String(error)}); it must belong to the user that runs the system`);
  }
}

/** Makes an existing file 0600 (a no-op for a missing file; a symbolic link is left alone). */
export function tightenFile(file: string): void {
  let stat;
  try {
    stat = lstatSync(file);
  } catch (error) {
    if (code(error) === 'ENOENT') return;
    throw error;
  }
  if (stat.isFile() && (stat.mode & 0o077) !== 0) chmodSync(file, PRIVATE_FILE_MODE);
}

/** Writes `data` to a new 0600 file beside `file` (never world-readable, not even for a moment). */
function writeTempBeside(file: string, data: string | Buffer): string {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', PRIVATE_FILE_MODE);
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw error;
  }
  closeSync(fd);
  return tmp;
}

/** Replaces `file` atomically with a 0600 file holding `data`: readers see the old or the new content. */
export function writePrivateFileAtomic(file: string, data: string | Buffer): void {
  const tmp = writeTempBeside(file, data);
  try {
    renameSync(tmp, file);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}

/**
 * Creates `file` as a complete 0600 file holding `data`, only if it does not exist yet. Returns
 * false (and writes nothing) when it already exists, e.g. because another process won the race.
 */
export function createPrivateFileExclusive(file: string, data: string | Buffer): boolean {
  const tmp = writeTempBeside(file, data);
  try {
    linkSync(tmp, file);
    return true;
  } catch (error) {
    if (code(error) === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(tmp, { force: true });
  }
}
