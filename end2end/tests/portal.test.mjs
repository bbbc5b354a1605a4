// End-to-end: the customer portal in Chromium, with JavaScript on and off. A buyer finds an
// order by PO, downloads its proof of delivery, opens the invoice, downloads its PDF (read
// back with pdf.js), disputes one line with a PDF attached; the clerk finds the dispute in
// the AR queue, replies and credits it; the buyer sees the reply, the resolution and the
// reduced open amount. Every portal page passes axe-core (no serious or critical violation)
// and fits a 390 px wide screen. Run by `make test` against the built server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { launch } from './chromium.mjs';
import { ACME, port, request, token } from './api.mjs';
import AxeBuilder from '@axe-core/playwright';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

let browser;

before(async () => {
  browser = await launch();
});
after(async () => { await browser?.close(); });

const tinyPdf = (text) => Buffer.from(`%PDF-1.4\n% ${text}\n%%EOF\n`);

/** Order `n` for Initech (PO `PO-n`), shipped with a POD, invoiced as `INV-n` (USD 65.00). */
async function fixture(n) {
  const t = await token();
  const ev = (id, type, at, payload) => ({ event_id: `${n}-${id}`, type, occurred_at: at, source: 'erp', payload });
  const lines = [{ line: 1, sku: 'BRG-1', description: 'Bearing', quantity: 10, unit_price_minor: 250 }, { line: 2, sku: 'HOSE-2', description: 'Hose', quantity: 4, unit_price_minor: 1000 }];
  const now = new Date();
  const day = (d) => new Date(now.getTime() + d * 86400000).toISOString();
  const events = [
    ev('o', 'order.accepted', day(-3), { number: n, customer: 'C-1001', po_number: `PO-${n}`, currency: 'USD', lines }),
    ev('d', 'shipment.dispatched', day(-2), { number: `${n}-S1`, order_number: n, carrier: 'UPS', tracking_number: '1Z999', tracking_url: 'https://www.ups.com/track?tracknum=1Z999', lines: [{ line: 1, quantity: 10 }, { line: 2, quantity: 4 }] }),
    ev('i', 'invoice.posted', day(-1), { number: `INV-${n}`, order_number: n, customer: 'C-1001', currency: 'USD', issued_on: day(-1).slice(0, 10), lines }),
  ];
  const json = { Authorization: `Bearer ${t}`, 'Content-Type': 'application/json' };
  const r = await request('POST', '/api/v1/events', { headers: json, body: JSON.stringify(events) });
  assert.equal(r.status, 200, r.body);
  assert.ok(JSON.parse(r.body).results.every((x) => x.result === 'accepted'), r.body);
  const boundary = 'e2eboundary';
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\npod\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="pod-${n}.pdf"\r\nContent-Type: application/pdf\r\n\r\n`),
    tinyPdf(`pod ${n}`),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const up = await request('POST', `/api/v1/shipments/${n}-S1/documents`, { headers: { Authorization: `Bearer ${t}`, 'Content-Type': `multipart/form-data; boundary=${boundary}` }, body });
  assert.equal(up.status, 201, up.body);
}

async function signIn(email, javaScriptEnabled) {
  const context = await browser.newContext({ acceptDownloads: true, javaScriptEnabled, viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  page.__noJs = !javaScriptEnabled;
  await page.goto(`http://${ACME}:${port}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('throughline-demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState('load');
  if (javaScriptEnabled) await page.waitForSelector('body[data-hydrated="true"]', { timeout: 20000 });
  return { context, page };
}

/** No serious or critical axe-core violation, the brand in the title, and no sideways scrolling
 * at 390 px. Checked in the JavaScript journey (axe runs as a script in the page); the pages
 * without JavaScript are the same server-rendered HTML. */
async function checkPage(page, what) {
  if (page.__noJs) return;
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa']).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(' | ')}`), [], `${what}: axe violations`);
  assert.equal(await page.title(), 'Acme Order Hub', `${what}: branded title`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${what}: ${overflow} px wider than a 390 px screen`);
}

async function pdfText(path) {
  const doc = await getDocument({ data: new Uint8Array(fs.readFileSync(path)), useSystemFonts: false, isEvalSupported: false }).promise;
  let text = '';
  for (let i = 1; i <= doc.numPages; i++) {
    const content = await (await doc.getPage(i)).getTextContent();
    text += content.items.map((it) => it.str).join(' ') + '\n';
  }
  return text;
}

async function download(page, action) {
  const [d] = await Promise.all([page.waitForEvent('download'), action()]);
  return d;
}

async function journey(javaScriptEnabled) {
  const n = javaScriptEnabled ? `E2E-JS-${Date.now()}` : `E2E-NOJS-${Date.now()}`;
  await fixture(n);
  const { context, page } = await signIn('buyer@initech.test', javaScriptEnabled);
  try {
    assert.equal(new URL(page.url()).pathname, '/portal');
    await checkPage(page, 'portal home');
    await page.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: 'Orders' }).click();
    await page.waitForURL(/\/portal\/orders$/);
    await checkPage(page, 'orders');
    await page.getByLabel('Order or PO number').fill(`PO-${n}`);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/q=PO-/);
    await page.getByRole('link', { name: n, exact: true }).click();
    await page.waitForURL(new RegExp(`/portal/orders/${n}$`));
    await page.getByTestId('lines').waitFor();
    await checkPage(page, 'order');
    const pod = await download(page, () => page.getByRole('link', { name: /Proof of delivery/ }).click());
    assert.equal(pod.suggestedFilename(), `pod-${n}.pdf`);
    assert.ok(fs.readFileSync(await pod.path()).subarray(0, 5).equals(Buffer.from('%PDF-')));

    await page.getByRole('link', { name: `INV-${n}` }).click();
    await page.waitForURL(new RegExp(`/portal/invoices/INV-${n}$`));
    await page.getByTestId('invoice-total').waitFor();
    await checkPage(page, 'invoice');
    assert.equal(await page.getByTestId('invoice-open').textContent(), 'USD 65.00');
    const pdf = await download(page, () => page.getByTestId('invoice-pdf').click());
    const text = await pdfText(await pdf.path());
    for (const want of [`INV-${n}`, 'Acme Industrial Supply', 'USD 65.00']) assert.ok(text.includes(want), `the PDF names ${want}: ${text.slice(0, 400)}`);

    await page.getByTestId('dispute-invoice').click();
    await page.waitForURL(/\/dispute$/);
    await checkPage(page, 'dispute form');
    await page.getByLabel(/^Line 2:/).check();
    await page.locator('input[name="quantity_2"]').fill('1');
    await page.getByLabel('Reason').selectOption('pricing');
    await page.getByLabel('What is wrong').fill('The hose was billed above the contract price.');
    await page.getByLabel(/^Evidence/).setInputFiles({ name: 'contract.pdf', mimeType: 'application/pdf', buffer: tinyPdf('contract') });
    await page.getByRole('button', { name: 'Open the dispute' }).click();
    await page.waitForURL(/\/portal\/disputes\/D-\d+$/);
    const number = new URL(page.url()).pathname.split('/').pop();
    await page.getByTestId('thread').waitFor();
    assert.match(await page.getByTestId('notice').textContent(), new RegExp(`Dispute ${number} opened`));
    assert.equal(await page.getByTestId('dispute-status').textContent(), 'Open — being reviewed');
    assert.ok(await page.getByTestId('answer-by').isVisible(), 'the date an answer is due');
    assert.ok(await page.getByRole('link', { name: 'contract.pdf' }).isVisible());
    await checkPage(page, 'dispute');
    await page.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: 'Disputes' }).click();
    await page.waitForURL(/\/portal\/disputes$/);
    await checkPage(page, 'disputes');
    await page.getByRole('navigation', { name: 'Portal' }).getByRole('link', { name: 'Invoices' }).click();
    await page.waitForURL(/\/portal\/invoices$/);
    await checkPage(page, 'invoices');

    // The clerk finds the dispute in the AR queue, replies and credits it.
    const clerk = await signIn('clerk@acme.test', javaScriptEnabled);
    try {
      // The AR queue, filtered to pricing disputes of this customer (as its filter form does).
      await clerk.page.goto(`http://${ACME}:${port}/workspace/queues/ar?kind=dispute_pricing&customer=C-1001`);
      await clerk.page.getByRole('link', { name: `dispute:${number}` }).click();
      await clerk.page.getByTestId('dispute-panel').waitFor();
      await clerk.page.getByLabel('Write a message').fill('Thanks — we are crediting the difference.');
      await clerk.page.getByRole('button', { name: 'Send' }).click();
      await clerk.page.getByText('Reply sent to the customer.').waitFor();
      await clerk.page.getByLabel('Credit amount').fill('10.00');
      await clerk.page.getByLabel(/^Note to the customer/).fill('Contract price applied');
      await clerk.page.getByRole('button', { name: 'Resolve dispute' }).click();
      await clerk.page.getByText(/credit memo CM-\d+ issued/).waitFor();
    } finally {
      await clerk.context.close();
    }

    await page.goto(`http://${ACME}:${port}/portal/disputes/${number}`);
    await page.getByTestId('resolution').waitFor();
    assert.equal(await page.getByTestId('dispute-status').textContent(), 'Resolved with a credit');
    assert.ok(await page.getByText('Thanks — we are crediting the difference.').isVisible());
    assert.match(await page.getByTestId('resolution').textContent(), /CM-\d+ for USD 10\.00.*Contract price applied/s);
    await page.goto(`http://${ACME}:${port}/portal/invoices/INV-${n}`);
    assert.equal(await page.getByTestId('invoice-open').textContent(), 'USD 55.00');
  } finally {
    await context.close();
  }
}

test('the portal journey with JavaScript on', async () => { await journey(true); });
test('the portal journey with JavaScript off', async () => { await journey(false); });
