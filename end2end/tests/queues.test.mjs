// End-to-end: an AR clerk works a credit hold from the credit queue to its release, with
// JavaScript on (the page hydrates without errors) and off (every step is a plain link or
// form post); and an exception whose SLA passes is escalated by the server's minute job and
// shows as escalated and breached in the admin queue. Each test makes its own credit hold
// through the API (a customer with a 1.00 credit limit and an order), so the demo data's
// state does not matter. Run by `make test` against the built server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { launch } from './chromium.mjs';

const port = process.env.BASE_PORT || '3000';
const HOST = 'acme.localhost';
const base = `http://${HOST}:${port}`;
let browser;

before(async () => {
  browser = await launch();
});
after(async () => { await browser?.close(); });

// A call to acme's API. Node does not resolve *.localhost as Chromium does, so it connects
// to 127.0.0.1 and names the tenant in the Host header.
function api(method, path, { json, form, token, basic } = {}) {
  const headers = { Host: `${HOST}:${port}` };
  let body;
  if (form) { body = new URLSearchParams(form).toString(); headers['Content-Type'] = 'application/x-www-form-urlencoded'; }
  if (json) { body = JSON.stringify(json); headers['Content-Type'] = 'application/json'; }
  if (token) headers.Authorization = `Bearer ${token}`;
  if (basic) headers.Authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, body: text ? JSON.parse(text) : null }));
    });
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

// A new credit hold: a customer with a 1.00 limit and an order of 65.00 accepted
// `hoursAgo` hours ago. Answers the order number.
async function creditHold(tag, hoursAgo = 0) {
  const tok = await api('POST', '/api/v1/oauth/token', { form: { grant_type: 'client_credentials' }, basic: 'acme-erp:throughline-demo-secret' });
  assert.equal(tok.status, 200, JSON.stringify(tok.body));
  const token = tok.body.access_token;
  const run = `${tag}-${Date.now()}`;
  const customer = `E2E-${run}`;
  const c = await api('POST', '/api/v1/customers', { token, json: { external_id: customer, name: `E2E ${run}`, credit_limit_minor: 100 } });
  assert.ok(c.status < 300, JSON.stringify(c.body));
  const number = `SO-${run}`;
  const at = new Date(Date.now() - hoursAgo * 3600_000).toISOString();
  const lines = [{ line: 1, sku: 'BRG-1', description: 'Bearing', quantity: 10, unit_price_minor: 650 }];
  const e = await api('POST', '/api/v1/events', { token, json: { event_id: `e2e-${run}`, type: 'order.accepted', occurred_at: at, source: 'erp', payload: { number, customer, currency: 'USD', lines } } });
  assert.equal(e.body.results[0].result, 'accepted', JSON.stringify(e.body));
  return { number, customer };
}

async function signIn(email, { javaScriptEnabled = true } = {}) {
  const context = await browser.newContext({ javaScriptEnabled });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(`${base}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('throughline-demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/workspace$/);
  return { context, page, errors };
}

const notice = (page) => page.getByTestId('notice').textContent();

// The clerk's path: home → credit queue → filter by customer → the exception → claim →
// release the order → the order page. Plain links and forms, so the same steps work with
// JavaScript off.
async function worksACreditHold(javaScriptEnabled) {
  const { number, customer } = await creditHold(javaScriptEnabled ? 'js' : 'nojs');
  const { context, page, errors } = await signIn('clerk@acme.test', { javaScriptEnabled });
  try {
    if (javaScriptEnabled) await page.waitForSelector('body[data-hydrated="true"]', { timeout: 20000 });
    await page.locator('[data-testid="queue-card"][data-queue="credit"]').getByRole('link', { name: 'Credit', exact: true }).click();
    await page.waitForURL(/\/workspace\/queues\/credit$/);
    await page.getByLabel('Customer id').fill(customer);
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/customer=/);
    const row = page.getByTestId('exception-row');
    await row.first().waitFor();
    assert.equal(await row.count(), 1);
    assert.match(await row.getByTestId('sla').textContent(), /^3 h 5\d min left$/);
    await row.getByRole('link', { name: `credit-hold:${number}` }).click();
    await page.waitForSelector('[data-testid="exception-reference"]');
    assert.equal((await page.getByTestId('exception-status').textContent()).trim(), 'open');

    await page.getByRole('button', { name: 'Claim', exact: true }).click();
    await page.waitForSelector('[data-testid="notice"]');
    assert.match(await notice(page), /is yours now/);
    assert.equal((await page.getByTestId('assignee').textContent()).trim(), 'Carl Clerk');

    await page.getByRole('button', { name: 'Release order' }).click();
    await page.waitForSelector('[data-testid="notice"]');
    assert.match(await notice(page), /the order is released and continues/);
    assert.equal((await page.getByTestId('exception-status').textContent()).trim(), 'resolved');
    const actions = await page.getByTestId('history-entry').evaluateAll((els) => els.map((e) => e.getAttribute('data-action')));
    assert.deepEqual(actions, ['opened', 'claimed', 'resolved']);

    await page.getByTestId('order').getByRole('link', { name: number }).click();
    await page.waitForSelector('[data-testid="order-number"]');
    assert.equal((await page.getByTestId('status').first().textContent()).trim(), 'released');
    if (javaScriptEnabled) {
      await page.waitForSelector('body[data-hydrated="true"]', { timeout: 20000 });
      assert.deepEqual(errors, [], 'the pages hydrate without errors');
    }
  } finally {
    await context.close();
  }
}

test('a clerk works a credit hold from queue to release, with JavaScript', async () => {
  await worksACreditHold(true);
});

test('a clerk works a credit hold from queue to release, without JavaScript', async () => {
  await worksACreditHold(false);
});

test('a breached exception shows as escalated', async () => {
  // Due an hour ago: the server's SLA job (each minute, and once at start-up) escalates it.
  const { customer } = await creditHold('sla', 5);
  const { context, page, errors } = await signIn('admin@acme.test');
  try {
    const url = `${base}/workspace/queues/admin?customer=${encodeURIComponent(customer)}&sla=breached`;
    const deadline = Date.now() + 90_000;
    for (;;) {
      await page.goto(url);
      if (await page.getByTestId('exception-row').count() > 0) break;
      assert.ok(Date.now() < deadline, 'escalated within 90 s');
      await page.waitForTimeout(3000);
    }
    await page.waitForSelector('body[data-hydrated="true"]', { timeout: 20000 });
    const row = page.getByTestId('exception-row');
    assert.equal(await row.getAttribute('data-sla'), 'breached');
    assert.equal((await row.getByTestId('exception-status').textContent()).trim(), 'escalated');
    assert.match(await row.getByTestId('sla').textContent(), /^breached 1 h/);
    assert.match(await row.getByTestId('sla').getAttribute('class'), /text-red-700/, 'breached stands out in red');
    const [cell, plain] = await Promise.all([row.getByTestId('sla'), page.locator('h1')].map((l) => l.first().evaluate((el) => getComputedStyle(el).color)));
    assert.notEqual(cell, plain, 'in a colour of its own');
    await row.getByRole('link').first().click();
    await page.waitForSelector('[data-testid="exception-reference"]');
    assert.equal((await page.getByTestId('exception-status').textContent()).trim(), 'escalated');
    assert.equal(await page.getByTestId('sla').getAttribute('data-sla'), 'breached');
    const escalated = page.locator('[data-testid="history-entry"][data-action="escalated"]');
    assert.equal(await escalated.getAttribute('data-actor'), 'system');
    assert.deepEqual(errors, [], 'the pages hydrate without errors');
  } finally {
    await context.close();
  }
});
