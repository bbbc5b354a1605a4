// End-to-end: promises to pay and reminders in Chromium, with JavaScript on and off. A buyer
// promises to pay an invoice in the portal (a plain form in a <details>); the clerk's invoice
// page shows reminders paused by that promise and the promise on the invoice's timeline; the
// admin's delivery and reminders page previews each step filled with an example invoice.
// The portal invoice page passes axe-core at 390 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './chromium.mjs';
import { ACME, port, request, token } from './api.mjs';
import AxeBuilder from '@axe-core/playwright';

let browser;

before(async () => {
  browser = await launch();
});
after(async () => { await browser?.close(); });

/** Invoice `INV-n` for Initech, USD 65.00, issued today. */
async function invoice(n) {
  const t = await token();
  const body = { number: `INV-${n}`, customer: 'C-1001', currency: 'USD', issued_on: new Date().toISOString().slice(0, 10),
    lines: [{ line: 1, sku: 'BRG-1', description: 'Bearing', quantity: 10, unit_price_minor: 250 }, { line: 2, sku: 'HOSE-2', description: 'Hose', quantity: 4, unit_price_minor: 1000 }] };
  const r = await request('POST', '/api/v1/invoices', { headers: { Authorization: `Bearer ${t}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(r.status, 201, r.body);
}

async function signIn(email, javaScriptEnabled) {
  const context = await browser.newContext({ javaScriptEnabled, viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto(`http://${ACME}:${port}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('throughline-demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState('load');
  if (javaScriptEnabled) await page.waitForSelector('body[data-hydrated="true"]', { timeout: 20000 });
  return { context, page };
}

const inDays = (d) => new Date(Date.now() + d * 86400000).toISOString().slice(0, 10);

for (const javaScriptEnabled of [true, false]) {
  test(`a buyer promises to pay and the clerk sees reminders paused (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
    const n = `DUN-${javaScriptEnabled ? 'JS' : 'NOJS'}-${Date.now()}`;
    await invoice(n);
    const promised = inDays(12);
    const buyer = await signIn('buyer@initech.test', javaScriptEnabled);
    try {
      const { page } = buyer;
      await page.goto(`http://${ACME}:${port}/portal/invoices/INV-${n}`);
      await page.getByText('Promise to pay by a date').click();
      await page.getByLabel('Pay by').fill(promised);
      await page.getByLabel(/^Amount/).fill('40.00');
      await page.getByRole('button', { name: 'Promise', exact: true }).click();
      await page.waitForURL(new RegExp(`/portal/invoices/INV-${n}$`));
      await page.getByTestId('invoice-promise').waitFor();
      assert.equal(await page.getByTestId('invoice-promise').textContent(), `You promised USD 40.00 by ${promised}; no reminders until then`);
      assert.equal(await page.getByTestId('promise-form').count(), 0, 'no second promise while one holds');
      if (javaScriptEnabled) {
        const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa']).analyze();
        const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
        assert.deepEqual(bad.map((v) => v.id), [], 'the invoice page with its promise passes axe-core');
      }
    } finally {
      await buyer.context.close();
    }

    const clerk = await signIn('clerk@acme.test', javaScriptEnabled);
    try {
      const { page } = clerk;
      await page.goto(`http://${ACME}:${port}/workspace/invoices/INV-${n}`);
      await page.getByTestId('dunning-state').waitFor();
      assert.equal(await page.getByTestId('dunning-state').textContent(), `Paused: payment promised by ${promised}`);
      const timeline = await page.getByTestId('invoice-timeline').textContent();
      assert.match(timeline, new RegExp(`Promise to pay USD 40\\.00 by ${promised}`));
      assert.match(timeline, /\(customer, in the portal\)/);
    } finally {
      await clerk.context.close();
    }
  });
}

test('the admin previews each reminder step filled with an example invoice', async () => {
  const admin = await signIn('admin@acme.test', true);
  try {
    const { page } = admin;
    await page.goto(`http://${ACME}:${port}/workspace/admin/reminders`);
    await page.getByTestId('sequences-form').waitFor();
    await page.getByText('Preview').first().click();
    const preview = await page.getByTestId('preview').first().textContent();
    assert.match(preview, /A friendly note about invoice INV-10042/);
    assert.match(preview, /Hello Initech Supply/);
    assert.equal(await page.getByLabel('Reminder channel').inputValue(), 'email', 'the built-in default reminder channel');
  } finally {
    await admin.context.close();
  }
});
