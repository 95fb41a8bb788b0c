/**
 * The OpenAPI document (docs/openapi.md): it lints clean under Redocly's recommended-strict rules,
 * it documents exactly the routes the app serves (both ways, the simulation's test clock included),
 * the served document is the generated one, /docs renders in a real browser, and the contract check
 * every test file runs (test/support/openapi-contract.ts) does catch an answer that breaks it.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import express from 'express';
import { chromium } from 'playwright-core';
import request from 'supertest';
import { buildOpenApiDocument } from '../../src/api/openapi/document';
import type { TestClock } from '../../src/temporal/test-clock';
import { listRoutes } from '../support/api-client';
import { takeViolations } from '../support/openapi-contract';
import { startApiStack, type ApiStack } from './api-stack';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '../..');
const CHROMIUM = '/usr/bin/chromium';

let stack: ApiStack;
beforeAll(async () => {
  stack = await startApiStack();
});
afterAll(async () => {
  await stack?.stop();
});

/** `METHOD /template` with Express's `:param` written the OpenAPI way. */
const servedOperations = (app: express.Express) =>
  listRoutes(app)
    .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`)
    .sort();

const documentedOperations = (document: { paths?: Record<string, object> }) =>
  Object.entries(document.paths ?? {})
    .flatMap(([template, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${template}`))
    .sort();

async function lint(args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout } = await run('node', ['--import', 'tsx', 'src/bootstrap/openapi-cli.ts', '--lint', ...args], { cwd: ROOT });
    return { code: 0, output: stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string };
    return { code: failed.code ?? 1, output: failed.stdout ?? '' };
  }
}

test('the document lints clean under recommended-strict, with and without the test clock; a broken one does not', async () => {
  for (const args of [[], ['--simulate']]) {
    const { code, output } = await lint(args);
    expect(output).toContain('0 problem(s)');
    expect(code).toBe(0);
  }
  // The linter can fail: an operation without responses and a path parameter never declared.
  const broken = buildOpenApiDocument({ testClock: false, version: '0.0.0' });
  const paths = broken.paths as Record<string, Record<string, { responses?: unknown }>>;
  delete paths['/v1/plans']!.get!.responses;
  paths['/v1/plans/{undeclared}'] = paths['/v1/webhook-endpoints']!;
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'openapi-')), 'broken.json');
  writeFileSync(file, JSON.stringify(broken));
  const { code, output } = await lint(['--file', file]);
  expect(code).not.toBe(0);
  expect(output).toMatch(/error/);
}, 120_000);

test('every route the app serves is documented and every documented route is served', async () => {
  expect(documentedOperations(stack.app.locals.openapiDocument)).toEqual(servedOperations(stack.app));
  // A simulation's app serves the test clock, and its document says so.
  const clock: TestClock = { nowMs: async () => 0, advance: async () => ({ fromMs: 0, nowMs: 0 }) };
  const simulation = stack.appWith({ testClock: clock });
  const withClock = documentedOperations(simulation.locals.openapiDocument);
  expect(withClock).toEqual(servedOperations(simulation));
  expect(withClock).toEqual(expect.arrayContaining(['GET /v1/test-clock', 'POST /v1/test-clock/advance']));
});

test('/openapi.json is open and serves the generated document; every problem code and the auth scheme are in it', async () => {
  const res = await request(stack.app).get('/openapi.json');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(res.body).toEqual(JSON.parse(JSON.stringify(stack.app.locals.openapiDocument)));
  expect(res.body.openapi).toBe('3.1.0');
  expect(res.body.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
  expect(res.body.components.schemas.Problem.properties.code.enum.length).toBeGreaterThan(50);
  // Every operation documents its success and, unless open, the 401 of authentication.
  for (const [template, item] of Object.entries<Record<string, { security?: unknown[]; responses: Record<string, unknown> }>>(res.body.paths)) {
    for (const [method, op] of Object.entries(item)) {
      // A success: a 2xx, or the 303 of the card window's return routes.
      expect([template, method, Object.keys(op.responses).some((s) => /^(2..|303)$/.test(s))]).toEqual([template, method, true]);
      if (op.security?.length !== 0) expect([template, method, op.responses['401']]).toEqual([template, method, expect.anything()]);
    }
  }
});

test('/docs renders the reference in Chromium (screenshot)', async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium package`);
  const server = stack.app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as { port: number };
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    const failures: string[] = [];
    page.on('pageerror', (error) => failures.push(error.message));
    page.on('requestfailed', (r) => failures.push(`${r.url()} ${r.failure()?.errorText}`));
    await page.goto(`http://127.0.0.1:${port}/docs`);
    // Swagger UI has fetched /openapi.json and rendered its operations.
    await page.getByText('Subscription orchestrator API').first().waitFor({ timeout: 60_000 });
    await page.locator('.opblock-summary-path', { hasText: '/v1/subscriptions/{id}/plan-change' }).first().waitFor({ timeout: 60_000 });
    const operations = await page.locator('.opblock').count();
    expect(operations).toBeGreaterThanOrEqual(documentedOperations(stack.app.locals.openapiDocument).length);
    const shot = path.join(mkdtempSync(path.join(os.tmpdir(), 'docs-')), 'docs.png');
    await page.screenshot({ path: shot, fullPage: false });
    expect(statSync(shot).size).toBeGreaterThan(10_000);
    expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
    expect(failures).toEqual([]);
  } finally {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
  }
}, 120_000);

test('the contract check catches an answer outside the document', async () => {
  const document = buildOpenApiDocument({ testClock: false, version: '0.0.0' });
  const app = express();
  app.locals.openapiDocument = document;
  app.get('/v1/plans', (_req, res) => void res.json({ plans: [{ id: 'p', price: -1 }] }));
  app.get('/v1/plans/:planId', (_req, res) => void res.status(418).json({}));
  app.get('/v1/nowhere', (_req, res) => void res.json({}));
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok', checks: { database: 'ok' } }));
  await request(app).get('/v1/plans');
  await request(app).get('/v1/plans/p');
  await request(app).get('/v1/nowhere');
  await request(app).get('/healthz');
  const seen = takeViolations();
  expect(seen).toEqual([
    expect.stringMatching(/^GET \/v1\/plans → 200: body does not match/),
    expect.stringMatching(/^GET \/v1\/plans\/p → 418: status 418 is not documented/),
    expect.stringMatching(/^GET \/v1\/nowhere → 200: no documented operation/),
  ]);
});
