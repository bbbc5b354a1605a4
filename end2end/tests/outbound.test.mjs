// End-to-end: a tenant admin sets a customer's invoice channels, adds a webhook endpoint (a
// receiver in this test, on loopback: `make test` allows 127.0.0.1 for webhooks), sends a
// test event that the receiver refuses, then replays the failed delivery once it accepts.
// With JavaScript on and off: every step is a plain form.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { launch } from './chromium.mjs';

const port = process.env.BASE_PORT || '3000';
const ACME = 'acme.localhost';
let browser;
let receiver;
const got = [];
let answer = 500;

before(async () => {
  browser = await launch();
  receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      got.push({ url: req.url, headers: req.headers, body });
      res.writeHead(answer);
      res.end(answer === 500 ? 'receiver down' : 'ok');
    });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
});
after(async () => {
  await browser?.close();
  receiver?.close();
});

async function signIn(javaScriptEnabled) {
  const context = await browser.newContext({ javaScriptEnabled });
  const page = await context.newPage();
  await page.goto(`http://${ACME}:${port}/login`);
  await page.getByLabel('Email').fill('admin@acme.test');
  await page.getByLabel('Password').fill('throughline-demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState('load');
  if (javaScriptEnabled) await page.waitForSelector('body[data-hydrated="true"]', { timeout: 20000 });
  return { context, page };
}

/** Reloads `page` until `check()` holds (the webhook sender runs in the background). */
async function until(page, check, what) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (await check()) return;
    assert.ok(Date.now() < deadline, `waited 30 s for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
    await page.reload();
  }
}

for (const javaScriptEnabled of [true, false]) {
  test(`an admin sets channels and a webhook, tests it and replays the failure (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
    const { context, page } = await signIn(javaScriptEnabled);
    try {
      // Channels on the customer's page.
      await page.goto(`http://${ACME}:${port}/workspace/admin/customers/C-1002`);
      await page.getByLabel('EDI 810').check();
      await page.getByRole('button', { name: /Save/ }).click();
      await page.waitForLoadState('load');
      assert.match(await page.getByTestId('notice').textContent(), /Saved|Nothing to save/);
      assert.ok(await page.getByLabel('EDI 810').isChecked());

      // An endpoint; its secret is shown once.
      const path = `/hook-${javaScriptEnabled ? 'js' : 'nojs'}`;
      await page.goto(`http://${ACME}:${port}/workspace/admin/webhooks`);
      await page.getByLabel('URL').fill(`http://127.0.0.1:${receiver.address().port}${path}`);
      await page.getByLabel('Description').fill('ERP listener');
      await page.getByLabel('Event types').fill('order.* invoice.*');
      await page.getByRole('button', { name: 'Add endpoint' }).click();
      await page.waitForLoadState('load');
      assert.match(await page.getByTestId('new-secret').textContent(), /^whsec_/);

      // A test event: the receiver refuses it (500), so the delivery waits for a retry.
      answer = 500;
      await page.getByTestId('send-test').click();
      await page.waitForLoadState('load');
      assert.match(await page.getByTestId('notice').textContent(), /Test event msg_/);
      const deadline = Date.now() + 30_000;
      while (!got.some((g) => g.url === path)) {
        assert.ok(Date.now() < deadline, 'the receiver got the test event within 30 s');
        await new Promise((r) => setTimeout(r, 100));
      }
      await until(page, async () => (await page.getByTestId('delivery-status').first().textContent()) === 'pending' && (await page.getByTestId('replay').count()) > 0, 'the refused attempt on the page');
      const first = got.find((g) => g.url === path);
      assert.match(first.headers['webhook-signature'], /^v1,/);
      assert.equal(JSON.parse(first.body).type, 'webhook.test');

      // The receiver is fixed; replayed from the page, it arrives with the same webhook-id.
      answer = 204;
      await page.getByRole('button', { name: 'Replay', exact: true }).first().click();
      await page.waitForLoadState('load');
      await until(page, async () => (await page.getByTestId('delivery-status').first().textContent()) === 'succeeded', 'the replay');
      const mine = got.filter((g) => g.url === path);
      assert.ok(mine.length >= 2);
      assert.equal(mine.at(-1).headers['webhook-id'], first.headers['webhook-id']);
    } finally {
      await context.close();
    }
  });
}
