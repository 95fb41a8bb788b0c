/**
 * Card registration in a real browser (docs/card-registration.md): headless Chromium from Debian's
 * packages, driven by playwright-core, opens the API's /demo page, pastes an API key, goes through
 * the emulator's card window with a test card, comes back, and subscribes. It ends with an ACTIVE
 * subscription and exactly one charge: in the page, through the API, and at the gateway.
 */
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { agentWithKey, createTestApiKey } from '../support/api-client';
import { freePortBlock } from '../support/free-ports';
import { startApiStack, type ApiStack } from '../api/api-stack';

const CHROMIUM = '/usr/bin/chromium';
/** Without the background-networking flags Chromium keeps calling Google's hosts, which this network refuses. */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let stack: ApiStack;
let server: Server;
let origin: string;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium package`);
  stack = await startApiStack();
  const port = await freePortBlock(1);
  origin = `http://127.0.0.1:${port}`;
  const app = stack.appWith({ publicUrl: origin, cardWindowUrl: `${stack.parts.emulatorUrl}/billing-auth/window` });
  server = await new Promise((resolve) => {
    const s = app.listen(port, '127.0.0.1', () => resolve(s));
  });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await stack?.stop();
});

test('register a card in the card window from the demo page, subscribe: ACTIVE with one charge', async () => {
  const apiKey = (await createTestApiKey(stack.parts.pool)).key;
  const customerKey = stack.parts.customerKey('browser');
  const page = await (await browser.newContext()).newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));

  await page.goto(`${origin}/demo`);
  await page.fill('#api-key', apiKey);
  await page.fill('#customer-key', customerKey);
  await page.click('#load-plans');
  await page.locator('#plan option[value="pro-monthly"]').waitFor({ state: 'attached' });
  await page.selectOption('#plan', 'pro-monthly');
  await page.click('#register');

  // The emulator's window, on another origin.
  await page.waitForURL(`${stack.parts.emulatorUrl}/billing-auth/window?**`);
  await page.fill('input[name="cardNumber"]', '4330 0000 0000 0011');
  await page.fill('input[name="expiry"]', '12/39');
  await page.fill('input[name="identity"]', '900101');
  await page.fill('input[name="password2"]', '12');
  await page.click('button[value="register"]');

  // Back on the demo page through the API's success route, with the new payment method.
  await page.waitForURL(`${origin}/demo?**`);
  const back = new URL(page.url());
  const paymentMethodId = back.searchParams.get('paymentMethodId');
  expect(paymentMethodId).toMatch(/^pm_/);
  expect(back.searchParams.get('customerKey')).toBe(customerKey);
  await page.locator('#registered').waitFor();
  expect(await page.textContent('#payment-method')).toBe(paymentMethodId);

  await page.click('#subscribe');
  await page.locator('#subscription-status', { hasText: 'ACTIVE' }).waitFor({ timeout: 60_000 });
  await page.locator('#payment-count', { hasText: '1' }).waitFor({ timeout: 60_000 });
  const subscriptionId = (await page.textContent('#subscription-id'))!;
  const shot = path.join(mkdtempSync(path.join(os.tmpdir(), 'demo-')), 'demo.png');
  await page.screenshot({ path: shot });
  expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
  expect(statSync(shot).size).toBeGreaterThan(5_000);
  expect(pageErrors).toEqual([]);
  expect(await page.isHidden('#error')).toBe(true);

  // The same through the API and at the gateway: one card, one subscription, one charge.
  const api = agentWithKey(stack.app, apiKey);
  const subscription = await api.get(`/v1/subscriptions/${subscriptionId}`);
  expect([subscription.body.status, subscription.body.paymentMethodId, subscription.body.counters.paidCycles]).toEqual(['ACTIVE', paymentMethodId, 1]);
  const payments = (await api.get(`/v1/subscriptions/${subscriptionId}/payments`)).body.payments as { status: string; amount: number }[];
  expect(payments.map((p) => p.status)).toEqual(['DONE']);
  expect((await api.get(`/v1/customers/${customerKey}/payment-methods`)).body.paymentMethods).toHaveLength(1);
  const charges = stack.parts.charges(customerKey);
  expect(charges.map((c) => [c.result, c.amount])).toEqual([['DONE', payments[0]!.amount]]);
}, 180_000);
