/**
 * docker-compose.yml checked without a Docker engine: valid against the Compose Specification's
 * JSON schema (test/fixtures/compose-spec.json, with ajv), the semantics the deployment relies on
 * (start-up order, the one-shots, replicas, profiles, no secrets in the file), and, where Go is
 * installed, loaded by compose-go, the library `docker compose` reads compose files with.
 */
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { cacheRoot } from '../../src/infra/temporal-binaries';
import { SEARCH_ATTRIBUTE_KEYS } from '../../src/temporal/search-attributes';

const ROOT = path.resolve(__dirname, '../..');
const FIXTURES = path.join(ROOT, 'test/fixtures');
const COMPOSE_FILE = path.join(ROOT, 'docker-compose.yml');
const composeText = readFileSync(COMPOSE_FILE, 'utf8');

type DependsOn = string[] | Record<string, { condition?: string; required?: boolean }>;
interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: DependsOn;
  profiles?: string[];
  ports?: (string | { target: number; published?: string | number })[];
  deploy?: { replicas?: number };
  restart?: string;
  container_name?: string;
}
interface Compose {
  services: Record<string, Service>;
  [key: string]: unknown;
}

/** The file as Compose reads it: YAML 1.1 merge keys (`<<: *app`) resolved. */
const load = (text: string) => parse(text, { merge: true }) as Compose;
const compose = load(composeText);
const services = compose.services;
const service = (name: string): Service => {
  const found = services[name];
  if (!found) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
};

function env(name: string): Record<string, string> {
  const environment = service(name).environment ?? {};
  if (Array.isArray(environment)) {
    return Object.fromEntries(environment.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(environment).map(([key, value]) => [key, String(value ?? '')]));
}

function dependencies(name: string): Record<string, string> {
  const dependsOn = service(name).depends_on ?? {};
  if (Array.isArray(dependsOn)) return Object.fromEntries(dependsOn.map((target) => [target, 'service_started']));
  return Object.fromEntries(Object.entries(dependsOn).map(([target, spec]) => [target, spec.condition ?? 'service_started']));
}

/** Whether `name` starts only after `before` (directly or through others). */
function startsAfter(name: string, before: string, seen = new Set<string>()): boolean {
  for (const target of Object.keys(dependencies(name))) {
    if (target === before) return true;
    if (!seen.has(target)) {
      seen.add(target);
      if (startsAfter(target, before, seen)) return true;
    }
  }
  return false;
}

/** A one-shot's shell script as the container runs it: Compose turns `$$` into `$`. */
function script(name: string): string {
  const { command, entrypoint } = service(name);
  expect(entrypoint).toEqual(['/bin/sh', '-ec']);
  expect(Array.isArray(command) && command.length === 1).toBe(true);
  return (command as string[])[0]!.replaceAll('$$', '$');
}

const imageTag = (name: string) => {
  const image = service(name).image ?? '';
  return { repository: image.slice(0, image.lastIndexOf(':')), tag: image.slice(image.lastIndexOf(':') + 1) };
};

describe('the Compose Specification schema', () => {
  const schema = JSON.parse(readFileSync(path.join(FIXTURES, 'compose-spec.json'), 'utf8')) as Record<string, unknown>;
  // The file names the draft-07 meta-schema by an https address ajv does not know; ajv's default is draft-07.
  delete schema.$schema;
  // Strict (no unknown keywords), except for strictTypes, which the schema's `oneOf` branches without a `type` trip.
  const validate = new Ajv({ allErrors: true, strict: true, strictTypes: false }).compile(schema);

  test('docker-compose.yml is valid', () => {
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  test('the check bites: a misspelt key or a wrong type is rejected', () => {
    expect(validate(load(composeText.replace('    deploy:\n      replicas: 2', '    deploy:\n      replica: 2')))).toBe(false);
    expect(validate(load(composeText.replace('    profiles: [emulator]', '    profiles: emulator')))).toBe(false);
    expect(validate(load(composeText.replace('\nservices:\n', '\nservice:\n')))).toBe(false);
  });
});

describe('what the deployment relies on', () => {
  test('every depends_on names a service of the file, never one behind a profile, and there is no cycle', () => {
    for (const name of Object.keys(services)) {
      for (const [target, condition] of Object.entries(dependencies(name))) {
        expect({ name, target, exists: target in services }).toEqual({ name, target, exists: true });
        // `docker compose up` without the profile would fail on it.
        expect({ name, target, profiles: service(target).profiles ?? [] }).toEqual({ name, target, profiles: [] });
        expect(['service_started', 'service_healthy', 'service_completed_successfully']).toContain(condition);
        if (condition === 'service_completed_successfully') expect({ target, restart: service(target).restart }).toEqual({ target, restart: expect.stringMatching(/^on-failure/) });
      }
      expect({ name, cycle: startsAfter(name, name) }).toEqual({ name, cycle: false });
    }
  });

  test('no auto-setup, images pinned, Temporal server and admin tools of one release', () => {
    expect(Object.values(services).filter(({ image }) => image?.includes('auto-setup'))).toEqual([]);
    for (const [name, { image, build }] of Object.entries(services)) {
      if (build !== undefined) continue;
      expect({ name, image }).toEqual({ name, image: expect.stringMatching(/^[a-z0-9./_-]+:[A-Za-z0-9._-]+$/) });
      expect(imageTag(name).tag).not.toBe('latest');
    }
    expect(imageTag('temporal').repository).toBe('temporalio/server');
    for (const oneShot of ['temporal-schema', 'temporal-namespace', 'temporal-search-attributes']) {
      expect(imageTag(oneShot).repository).toBe('temporalio/admin-tools');
      expect(imageTag(oneShot).tag.split('-')[0]).toBe(imageTag('temporal').tag);
    }
    expect(imageTag('temporal-ui').repository).toBe('temporalio/ui');
  });

  test('the schema one-shot sets up both databases with the embedded PostgreSQL v12 schemas before the server starts', () => {
    expect(dependencies('temporal')).toMatchObject({ 'temporal-schema': 'service_completed_successfully' });
    expect(dependencies('temporal-schema')).toMatchObject({ postgresql: 'service_healthy' });
    const steps = script('temporal-schema')
      .split('\n')
      .filter((line) => line.startsWith('temporal-sql-tool'));
    expect(steps).toEqual([
      'temporal-sql-tool --db temporal create-database',
      'temporal-sql-tool --db temporal setup-schema -v 0.0',
      'temporal-sql-tool --db temporal update-schema --schema-name postgresql/v12/temporal',
      'temporal-sql-tool --db temporal_visibility create-database',
      'temporal-sql-tool --db temporal_visibility setup-schema -v 0.0',
      'temporal-sql-tool --db temporal_visibility update-schema --schema-name postgresql/v12/visibility',
    ]);
    expect(env('temporal-schema')).toMatchObject({ SQL_PLUGIN: 'postgres12', SQL_HOST: 'postgresql' });
  });

  test('the server is configured by environment for PostgreSQL persistence and SQL visibility', () => {
    expect(env('temporal')).toMatchObject({
      DB: 'postgres12',
      POSTGRES_SEEDS: 'postgresql',
      DBNAME: 'temporal',
      VISIBILITY_DBNAME: 'temporal_visibility',
      ENABLE_ES: 'false',
      BIND_ON_IP: '0.0.0.0',
    });
    // The dynamic config file the server reads is the one mounted into it.
    const mounted = (compose.services.temporal as { configs?: { source: string; target: string }[] }).configs ?? [];
    expect(mounted.map((c) => c.target)).toContain(env('temporal').DYNAMIC_CONFIG_FILE_PATH);
    for (const { source } of mounted) expect(Object.keys(compose.configs as object)).toContain(source);
  });

  test('the namespace is created before the search attributes are registered, and both before the app starts', () => {
    expect(dependencies('temporal-namespace')).toMatchObject({ temporal: 'service_healthy' });
    expect(script('temporal-namespace')).toMatch(/temporal operator namespace create --namespace default/);
    expect(dependencies('temporal-search-attributes')).toMatchObject({ 'temporal-namespace': 'service_completed_successfully' });
    expect(script('temporal-search-attributes')).toMatch(/temporal operator search-attribute create --namespace default --name "\$name" --type "\$type"/);
    expect(startsAfter('temporal-search-attributes', 'temporal-namespace')).toBe(true);
    expect(startsAfter('temporal-namespace', 'temporal-search-attributes')).toBe(false);
    for (const app of ['worker', 'api']) {
      expect(dependencies(app)).toMatchObject({ 'temporal-search-attributes': 'service_completed_successfully', postgresql: 'service_healthy' });
      expect(env(app)).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'default' });
    }
  });

  test('the five search attributes are the ones the workflows upsert (src/temporal/search-attributes.ts)', () => {
    const cliType: Record<string, string> = { KEYWORD: 'Keyword', DATETIME: 'Datetime', BOOL: 'Bool', INT: 'Int', DOUBLE: 'Double', TEXT: 'Text', KEYWORD_LIST: 'KeywordList' };
    const registered = env('temporal-search-attributes').SEARCH_ATTRIBUTES!.split(/\s+/).filter(Boolean);
    expect(registered).toEqual(SEARCH_ATTRIBUTE_KEYS.map((key) => `${key.name}:${cliType[key.type]}`));
    expect(registered).toHaveLength(5);
  });

  test('the one-shot scripts are valid shell', () => {
    for (const name of ['temporal-schema', 'temporal-namespace', 'temporal-search-attributes']) {
      const checked = spawnSync('sh', ['-n', '-c', script(name)], { encoding: 'utf8' });
      expect({ name, status: checked.status, stderr: checked.stderr }).toEqual({ name, status: 0, stderr: '' });
    }
  });

  test('two workers load the workflow bundle the image builds', () => {
    const worker = service('worker');
    expect(worker.deploy?.replicas).toBeGreaterThan(1);
    // Replicas cannot share a container name or a host port.
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports).toBeUndefined();
    expect(worker.build).toBe('.');
    expect(worker.command).toEqual(['node', '--import', 'tsx', 'src/bootstrap/worker-main.ts']);
    expect(env('worker').WORKFLOW_BUNDLE).toBe('/app/dist/workflow-bundle.js');
    const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^WORKDIR \/app$/m);
    expect(dockerfile).toMatch(/^RUN npm run build$/m);
  });

  test('the API listens on all interfaces of its container, on port 3000', () => {
    expect(env('api')).toMatchObject({ API_HOST: '0.0.0.0', API_PORT: '3000' });
    expect(service('api').ports).toContain('3000:3000');
    expect(service('api').command).toEqual(['node', '--import', 'tsx', 'src/bootstrap/api-main.ts']);
  });

  test('the emulator runs on its own behind the profile emulator', () => {
    const emulator = service('emulator');
    expect(emulator.profiles).toEqual(['emulator']);
    expect(emulator.command).toEqual(['node', '--import', 'tsx', 'src/bootstrap/emulator-main.ts']);
    const scripts = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
    expect(scripts.emulator).toBe('node --import tsx src/bootstrap/emulator-main.ts');
    expect(env('emulator')).toMatchObject({ EMULATOR_HOST: '0.0.0.0', EMULATOR_PORT: '4010' });
    // The file says how to point the app at it.
    expect(composeText).toContain('TOSS_API_BASE_URL=http://emulator:4010');
    expect(composeText).toContain('--profile emulator');
  });

  test('secrets are required from the environment, never written in the file', () => {
    const required = /^\$\{[A-Z_]+:\?[^}]+\}$/;
    const secretNames = ['BILLING_KEY_ENCRYPTION_KEY', 'TOSS_SECRET_KEY', 'POSTGRES_PASSWORD', 'POSTGRES_PWD', 'SQL_PASSWORD'];
    const seen = new Set<string>();
    for (const name of Object.keys(services)) {
      for (const [key, value] of Object.entries(env(name))) {
        if (secretNames.includes(key)) {
          expect({ name, key, value }).toEqual({ name, key, value: expect.stringMatching(required) });
          seen.add(key);
        }
        if (key === 'DATABASE_URL') expect(value).toContain('${POSTGRES_PASSWORD:?');
      }
    }
    expect([...seen].sort()).toEqual([...secretNames].sort());
  });
});

// ---- compose-go -----------------------------------------------------------------------------------

const COMPOSE_CHECK_SOURCE = path.join(FIXTURES, 'compose-check');
const haveGo = spawnSync('sh', ['-c', 'command -v go'], { encoding: 'utf8' }).status === 0;

/** Where the compose-check binary of these sources lives: the per-user cache, keyed by a hash of its files. */
function composeCheckPath(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(COMPOSE_CHECK_SOURCE).sort()) hash.update(file).update(readFileSync(path.join(COMPOSE_CHECK_SOURCE, file)));
  return path.join(cacheRoot(), 'compose-check', hash.digest('hex').slice(0, 16), 'compose-check');
}
const COMPOSE_CHECK = composeCheckPath();

/** Builds it the first time (about a minute: compose-go comes from the Go module proxy). */
function composeCheck(): string {
  if (existsSync(COMPOSE_CHECK)) return COMPOSE_CHECK;
  const dir = path.dirname(COMPOSE_CHECK);
  mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = mkdtempSync(`${dir}.tmp-`);
  try {
    execFileSync('go', ['build', '-trimpath', '-o', path.join(tmp, 'compose-check'), '.'], {
      cwd: COMPOSE_CHECK_SOURCE,
      env: { ...process.env, GOWORK: 'off', GOFLAGS: '-mod=readonly -buildvcs=false' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    if (!existsSync(dir)) renameSync(tmp, dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return COMPOSE_CHECK;
}

const composeGoAvailable = haveGo || existsSync(COMPOSE_CHECK);
(composeGoAvailable ? describe : describe.skip)(`compose-go (the loader of docker compose)${composeGoAvailable ? '' : ': skipped, no Go toolchain to build it'}`, () => {
  const secrets = { POSTGRES_PASSWORD: 'pg-test', BILLING_KEY_ENCRYPTION_KEY: 'key-test', TOSS_SECRET_KEY: 'test_sk_compose' };
  const run = (environment: Record<string, string>, profiles: string[] = []) => {
    const binary = composeCheck();
    // Only these variables: nothing from the developer's shell or a .env file.
    return spawnSync(binary, [COMPOSE_FILE, ...profiles], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...environment } });
  };

  test('loads the file, with and without the emulator profile', () => {
    const plain = run(secrets);
    expect(plain.stderr).toBe('');
    expect(plain.status).toBe(0);
    const project = JSON.parse(plain.stdout) as { name: string; services: Record<string, { deploy?: { replicas?: number }; environment: Record<string, string> }> };
    expect(project.name).toBe('subscription-orchestrator');
    expect(Object.keys(project.services).sort()).toEqual(Object.keys(services).filter((name) => name !== 'emulator').sort());
    expect(project.services.worker!.deploy?.replicas).toBe(2);
    expect(project.services.worker!.environment.DATABASE_URL).toBe('postgres://postgres:pg-test@postgresql:5432/subscriptions');
    expect(project.services.temporal!.environment.POSTGRES_PWD).toBe('pg-test');

    const withEmulator = run(secrets, ['emulator']);
    expect(withEmulator.status).toBe(0);
    expect(Object.keys(JSON.parse(withEmulator.stdout).services)).toContain('emulator');
  }, 600_000);

  test('refuses to start without a required secret, naming it', () => {
    const { TOSS_SECRET_KEY: _omitted, ...withoutTossKey } = secrets;
    const missing = run(withoutTossKey);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/TOSS_SECRET_KEY/);
  }, 600_000);
});
