/**
 * Finds or obtains the real Temporal servers without the SDK's download (README, Quick start). Order, for
 * each binary: explicit env var → on PATH → per-user cache keyed by version → build/fetch from the
 * package registries (Go module proxy, Maven Central) → undefined, letting the SDK download it
 * (works on a laptop with internet). Nothing here is ever committed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
export const TEST_SERVER_VERSION = '1.38.0';
/** The server the CLI above embeds, as its own binaries for cluster mode (PostgreSQL persistence). */
export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
/** The Web UI server the CLI above embeds, as its own binary for cluster mode. */
export const TEMPORAL_UI_SERVER_VERSION = 'v2.42.1';
const SLF4J_NOP_VERSION = '1.7.36';

const say = (msg: string) => process.stderr.write(`[temporal-binaries] ${msg}\n`);

export function cacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'subscription-orchestrator');
}

function onPath(command: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  const resolved = found.stdout.trim();
  return found.status === 0 && resolved ? resolved : undefined;
}

function hasTool(command: string): boolean {
  return onPath(command) !== undefined;
}

/** Builds into a temp dir and renames it into place, so a half-finished build is never cached. */
function buildIntoCache(finalDir: string, build: (tmpDir: string) => void): void {
  mkdirSync(path.dirname(finalDir), { recursive: true });
  const tmpDir = mkdtempSync(`${finalDir}.tmp-`);
  try {
    build(tmpDir);
    if (!existsSync(finalDir)) renameSync(tmpDir, finalDir);
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
}

/** The Temporal CLI (dev server with the Web UI embedded). */
export function resolveTemporalCli(): string | undefined {
  const explicit = process.env.TEMPORAL_CLI_PATH;
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`TEMPORAL_CLI_PATH=${explicit} does not exist`);
    return explicit;
  }
  const fromPath = onPath('temporal');
  if (fromPath) return fromPath;
  const dir = path.join(cacheRoot(), 'temporal-cli', TEMPORAL_CLI_VERSION);
  const cached = path.join(dir, 'temporal');
  if (existsSync(cached)) return cached;
  if (!hasTool('go')) {
    say('no Go toolchain: falling back to the SDK download of the dev server');
    return undefined;
  }
  say(`building the Temporal CLI ${TEMPORAL_CLI_VERSION} with "go install" (first time only; takes a few minutes)…`);
  buildIntoCache(dir, (tmp) => {
    execFileSync('go', ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`], {
      env: { ...process.env, GOBIN: tmp, GOFLAGS: '-mod=mod' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  });
  say(`cached ${cached}`);
  return cached;
}

/**
 * The Java time-skipping test server, as a launcher script: the SDK spawns `path <port>` without
 * a shell and kills only its direct child, hence the shebang and the `exec`.
 */
export function resolveTestServer(): string | undefined {
  const explicit = process.env.TEMPORAL_TEST_SERVER_PATH;
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`TEMPORAL_TEST_SERVER_PATH=${explicit} does not exist`);
    return explicit;
  }
  const fromPath = onPath('temporal-test-server');
  if (fromPath) return fromPath;
  const dir = path.join(cacheRoot(), 'temporal-test-server', TEST_SERVER_VERSION);
  const launcher = path.join(dir, 'temporal-test-server');
  if (existsSync(launcher)) return launcher;
  if (!hasTool('mvn') || !hasTool('java')) {
    say('no Maven/Java: falling back to the SDK download of the test server');
    return undefined;
  }
  say(`fetching io.temporal:temporal-test-server:${TEST_SERVER_VERSION} and its dependencies from Maven (first time only)…`);
  buildIntoCache(dir, (tmp) => {
    writeFileSync(
      path.join(tmp, 'pom.xml'),
      `<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.subscription-orchestrator</groupId><artifactId>temporal-test-server-launcher</artifactId><version>1</version>
  <dependencies>
    <dependency><groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId><version>${TEST_SERVER_VERSION}</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-nop</artifactId><version>${SLF4J_NOP_VERSION}</version></dependency>
  </dependencies>
</project>
`,
    );
    execFileSync('mvn', ['-B', '-q', 'dependency:copy-dependencies', `-DoutputDirectory=${path.join(tmp, 'lib')}`], {
      cwd: tmp,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const script = `#!/bin/sh\n# Temporal time-skipping test server ${TEST_SERVER_VERSION}: usage: $0 <port> [--enable-time-skipping]\nexec java -Xss512k -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "${path.join(dir, 'lib')}/*" io.temporal.testserver.TestServer "$@"\n`;
    writeFileSync(path.join(tmp, 'temporal-test-server'), script);
    chmodSync(path.join(tmp, 'temporal-test-server'), 0o755);
  });
  say(`cached ${launcher}`);
  return launcher;
}

export interface TemporalServerBinaries {
  server: string;
  sqlTool: string;
}

/**
 * The Temporal server and its SQL schema tool, for cluster mode: `TEMPORAL_SERVER_PATH` (the
 * sql tool beside it) → `temporal-server` on PATH → cache → `go install` of both commands (about
 * 6.5 min on two cores the first time). Renamed to the names Temporal's images use.
 */
export function resolveTemporalServer(): TemporalServerBinaries {
  const explicit = process.env.TEMPORAL_SERVER_PATH;
  if (explicit) {
    const sqlTool = path.join(path.dirname(explicit), 'temporal-sql-tool');
    for (const file of [explicit, sqlTool]) if (!existsSync(file)) throw new Error(`TEMPORAL_SERVER_PATH=${explicit}: ${file} does not exist`);
    return { server: explicit, sqlTool };
  }
  const server = onPath('temporal-server');
  const sqlTool = onPath('temporal-sql-tool');
  if (server && sqlTool) return { server, sqlTool };
  const dir = path.join(cacheRoot(), 'temporal-server', TEMPORAL_SERVER_VERSION);
  const cached = { server: path.join(dir, 'temporal-server'), sqlTool: path.join(dir, 'temporal-sql-tool') };
  if (existsSync(cached.server) && existsSync(cached.sqlTool)) return cached;
  if (!hasTool('go')) throw new Error('cluster mode needs the Temporal server binaries: install Go >= 1.25 (they are built once) or set TEMPORAL_SERVER_PATH');
  say(`building the Temporal server ${TEMPORAL_SERVER_VERSION} and temporal-sql-tool with "go install" (first time only; about 6-7 minutes on two cores)...`);
  buildIntoCache(dir, (tmp) => {
    execFileSync(
      'go',
      ['install', '-v', `go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION}`, `go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`],
      // -v names each package as it compiles: the progress of a long first build.
      { env: { ...process.env, GOBIN: tmp, GOFLAGS: '-mod=mod' }, stdio: ['ignore', 'inherit', 'inherit'] },
    );
    renameSync(path.join(tmp, 'server'), path.join(tmp, 'temporal-server'));
    renameSync(path.join(tmp, 'sql'), path.join(tmp, 'temporal-sql-tool'));
  });
  say(`cached ${dir}`);
  return cached;
}

/**
 * The Temporal Web UI server for cluster mode (the dev server embeds its own): `TEMPORAL_UI_SERVER_PATH`
 * → `temporal-ui-server` on PATH → cache → `go install` (a minute or two; the UI's assets ship in
 * the Go module).
 */
export function resolveTemporalUiServer(): string | undefined {
  const explicit = process.env.TEMPORAL_UI_SERVER_PATH;
  if (explicit) {
    if (!existsSync(explicit)) throw new Error(`TEMPORAL_UI_SERVER_PATH=${explicit} does not exist`);
    return explicit;
  }
  const fromPath = onPath('temporal-ui-server');
  if (fromPath) return fromPath;
  const dir = path.join(cacheRoot(), 'temporal-ui-server', TEMPORAL_UI_SERVER_VERSION);
  const cached = path.join(dir, 'temporal-ui-server');
  if (existsSync(cached)) return cached;
  if (!hasTool('go')) {
    say('no Go toolchain: cluster mode runs without the Web UI (set TEMPORAL_UI_SERVER_PATH to add it)');
    return undefined;
  }
  say(`building the Temporal UI server ${TEMPORAL_UI_SERVER_VERSION} with "go install" (first time only)...`);
  buildIntoCache(dir, (tmp) => {
    execFileSync('go', ['install', '-v', `github.com/temporalio/ui-server/v2/cmd/server@${TEMPORAL_UI_SERVER_VERSION}`], {
      env: { ...process.env, GOBIN: tmp, GOFLAGS: '-mod=mod' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    renameSync(path.join(tmp, 'server'), path.join(tmp, 'temporal-ui-server'));
  });
  say(`cached ${cached}`);
  return cached;
}
