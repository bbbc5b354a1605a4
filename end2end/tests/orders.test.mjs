// End-to-end: staff find an order in the Orders list, open it and read its timeline; the
// links work before and after hydration. Run by `make test` against the built server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './chromium.mjs';
import fs from 'node:fs';

const port = process.env.BASE_PORT || '3000';
let browser;

before(async () => {
  browser = await launch();
});
after(async () => { await browser?.close(); });

// Content-Security-Policy violations seen by any page (none may happen).
const violations = [];

async function signIn(host, email) {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });
  await page.goto(`http://${host}:${port}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('throughline-demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState('load');
  return { context, page };
}

test('a clerk filters the order list, opens an order and sees its timeline in order', async () => {
  const { context, page } = await signIn('acme.localhost', 'clerk@acme.test');
  try {
    await page.waitForSelector('body[data-hydrated="true"]', { timeout: 20000 });
    await page.getByRole('link', { name: 'Orders', exact: true }).click();
    await page.waitForSelector('[data-testid="order-row"]');
    assert.equal(new URL(page.url()).pathname, '/workspace/orders');
    const rows = await page.getByTestId('order-row').count();
    assert.ok(rows > 10, `expected a full page of demo orders, got ${rows}`);
    // Filter to paid orders with the plain GET form.
    await page.getByLabel('Status').selectOption('paid');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/status=paid/);
    await page.waitForSelector('[data-testid="order-row"]');
    const statuses = await page.getByTestId('order-row').getByTestId('status').allTextContents();
    assert.ok(statuses.length > 0 && statuses.every((s) => s === 'paid'), statuses.join(','));
    // Export the filtered list: a CSV download of paid orders only.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: /Export CSV/ }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^orders-acme-\d{8}\.csv$/);
    const csv = fs.readFileSync(await download.path(), 'utf8').trim().split('\n');
    assert.equal(csv[0].split(',')[5], 'status');
    assert.ok(csv.length > statuses.length, `the export holds every paid order (${csv.length - 1})`);
    assert.ok(csv.slice(1).every((l) => l.split(',')[5] === 'paid'), 'only paid orders');
    // Open the first order.
    const link = page.getByTestId('order-row').first().getByRole('link');
    const number = (await link.textContent()).trim();
    await link.click();
    await page.waitForSelector('[data-testid="timeline-entry"]');
    assert.equal((await page.getByTestId('order-number').textContent()).trim(), `Order ${number}`);
    const times = await page.locator('[data-testid="timeline-entry"] time').evaluateAll((els) => els.map((e) => e.getAttribute('datetime')));
    assert.ok(times.length >= 5, `a paid order has a long timeline, got ${times.length}`);
    const sorted = [...times].sort((a, b) => Date.parse(a) - Date.parse(b));
    assert.deepEqual(times, sorted);
    const kinds = await page.locator('[data-testid="timeline-entry"] code').allTextContents();
    assert.equal(kinds[0], 'order.accepted');
    assert.ok(kinds.includes('payment.applied'), kinds.join(','));
  } finally {
    await context.close();
  }
});

test('after hydration a POD link downloads the document itself, not a page of the app', async () => {
  const { context, page } = await signIn('acme.localhost', 'clerk@acme.test');
  try {
    await page.goto(`http://acme.localhost:${port}/workspace/orders?status=delivered`);
    await page.waitForSelector('body[data-hydrated="true"]', { timeout: 20000 });
    await page.getByTestId('order-row').first().getByRole('link').click();
    await page.waitForSelector('[data-testid="timeline-entry"]');
    // Documents are always downloads (Content-Disposition: attachment), never shown in the app.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('document').first().click(),
    ]);
    assert.match(download.suggestedFilename(), /\.pdf$/);
    const bytes = fs.readFileSync(await download.path());
    assert.equal(bytes.subarray(0, 5).toString(), '%PDF-');
  } finally {
    await context.close();
  }
});

test('a customer user cannot open the staff order list', async () => {
  const { context, page } = await signIn('acme.localhost', 'buyer@initech.test');
  try {
    await page.goto(`http://acme.localhost:${port}/workspace/orders`);
    assert.equal(new URL(page.url()).pathname, '/portal');
  } finally {
    await context.close();
  }
});

test('no page broke its Content-Security-Policy', () => {
  assert.deepEqual(violations, []);
});
