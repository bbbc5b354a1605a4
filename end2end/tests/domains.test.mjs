// End-to-end: a partner admin opens a tenant's domains page from the partner console, adds a
// custom domain, sees the TXT record it needs and that it is not verified yet (so it does not
// serve the tenant), and removes it; a tenant admin does the same from their own
// administration page. With JavaScript on and off: the pages are plain forms.
// Verification against DNS is covered by the integration suite's DNS server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, signInToConsole } from './chromium.mjs';

const port = process.env.BASE_PORT || '3000';
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

/** On a domains page: adds `name` (typed as `typed`), checks its row, removes it again. */
async function addAndRemove(page, name, typed) {
  const escaped = name.replaceAll('.', '\\.');
  await page.getByLabel('Add a domain').fill(typed);
  await page.getByRole('button', { name: 'Add domain' }).click();
  await page.waitForLoadState('load');
  assert.match(await page.getByTestId('notice').textContent(), new RegExp(`${escaped} is added to Bluegrass Foodservice`));
  const row = page.getByTestId(`domain-${name}`);
  assert.match(await row.getByTestId('domain-state').textContent(), /Not verified/);
  assert.match(await row.textContent(), new RegExp(`_throughline\\.${escaped}`));
  assert.match(await row.getByTestId('domain-token').textContent(), /^throughline-verify=[0-9a-f]{32}$/);

  await row.getByRole('button', { name: `Remove ${name}` }).click();
  await page.waitForLoadState('load');
  assert.match(await page.getByTestId('notice').textContent(), /is removed: it no longer serves Bluegrass Foodservice/);
  assert.equal(await page.getByTestId(`domain-${name}`).count(), 0);
}

for (const javaScriptEnabled of [true, false]) {
  test(`a partner adds and removes a custom domain (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    const name = `portal-${javaScriptEnabled ? 'js' : 'nojs'}-${Date.now()}.bluegrass-food.test`;
    try {
      await signInToConsole(page, port);
      await page.getByRole('link', { name: 'Domains of Bluegrass Foodservice' }).click();
      await page.waitForLoadState('load');
      if (javaScriptEnabled) await page.waitForSelector('body[data-hydrated="true"]', { timeout: 20000 });
      assert.match(await page.getByRole('heading', { level: 1 }).textContent(), /Domains of Bluegrass Foodservice/);

      await addAndRemove(page, name, name.toUpperCase());
    } finally {
      await context.close();
    }
  });
}

for (const javaScriptEnabled of [true, false]) {
  test(`a tenant admin adds and removes their workspace's domain (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    const name = `own-${javaScriptEnabled ? 'js' : 'nojs'}-${Date.now()}.bluegrass-food.test`;
    try {
      await page.goto(`http://bluegrass.localhost:${port}/login`);
      await page.getByLabel('Email').fill('admin@bluegrass.test');
      await page.getByLabel('Password').fill('throughline-demo');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForLoadState('load');
      await page.goto(`http://bluegrass.localhost:${port}/workspace/admin`);
      await page.getByTestId('admin-nav').getByRole('link', { name: 'Domains' }).click();
      await page.waitForLoadState('load');
      if (javaScriptEnabled) await page.waitForSelector('body[data-hydrated="true"]', { timeout: 20000 });
      assert.match(await page.getByRole('heading', { level: 1 }).textContent(), /Domains of Bluegrass Foodservice/);
      assert.match(await page.textContent('main'), new RegExp(`always serves it at bluegrass\\.localhost:${port}`));

      await addAndRemove(page, name, name);
      assert.equal(new URL(page.url()).pathname, '/workspace/admin/domains');
    } finally {
      await context.close();
    }
  });
}
