// End-to-end: a partner admin asks for a support session on Bluegrass from the partner
// console, enters its workspace through the session's one-time link and works there under
// their own name; Bluegrass's admin sees the session on Administration → Support access and
// ends it, and the partner's next page is the sign-in page. With JavaScript on and off: every
// step is a plain form.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, signInToConsole } from './chromium.mjs';

const port = process.env.BASE_PORT || '3000';
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

for (const javaScriptEnabled of [true, false]) {
  test(`a partner works in a workspace through a support session that its admin ends (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
    const partner = await browser.newContext({ javaScriptEnabled });
    const tenant = await browser.newContext({ javaScriptEnabled });
    const reason = `Invoice totals look wrong (${javaScriptEnabled ? 'js' : 'no js'} ${Date.now().toString(36)})`;
    try {
      const page = await partner.newPage();
      await signInToConsole(page, port);
      await page.getByRole('link', { name: 'Support access to Bluegrass Foodservice' }).click();
      await page.waitForLoadState('load');
      await page.getByLabel('Why you need to enter').fill(reason);
      await page.getByLabel('For').selectOption('15');
      await page.getByRole('button', { name: 'Ask for a support session' }).click();
      await page.waitForLoadState('load');
      assert.match(await page.getByTestId('notice').textContent(), /is open for 15 minutes/);
      const row = page.getByTestId('support-row').filter({ hasText: reason });
      await row.getByRole('button', { name: 'Enter workspace' }).click();
      await page.waitForLoadState('load');
      // A link, not a redirect: the console's forms may post only to the console.
      await page.getByRole('link', { name: 'Enter the workspace of Bluegrass Foodservice' }).click();
      await page.waitForLoadState('load');
      const url = new URL(page.url());
      assert.equal(`${url.hostname}${url.pathname}`, 'bluegrass.localhost/workspace');
      assert.equal(await page.getByTestId('viewer-name').textContent(), 'Nora Partner (support, Northwind Partners)');

      const admin = await tenant.newPage();
      await admin.goto(`http://bluegrass.localhost:${port}/login`);
      await admin.getByLabel('Email').fill('admin@bluegrass.test');
      await admin.getByLabel('Password').fill('throughline-demo');
      await admin.getByRole('button', { name: 'Sign in' }).click();
      await admin.waitForLoadState('load');
      await admin.goto(`http://bluegrass.localhost:${port}/workspace/admin`);
      await admin.getByRole('link', { name: 'Support access' }).click();
      await admin.waitForLoadState('load');
      const mine = admin.getByTestId('support-row').filter({ hasText: reason });
      assert.match(await mine.getByTestId('support-state').textContent(), /Active/);
      await mine.getByRole('button', { name: 'End now' }).click();
      await admin.waitForLoadState('load');
      assert.match(await admin.getByTestId('notice').textContent(), /Support session of Nora Partner: ended/);

      await page.goto(`http://bluegrass.localhost:${port}/workspace`);
      assert.equal(new URL(page.url()).pathname, '/login', 'the ended session is signed out');
    } finally {
      await partner.close();
      await tenant.close();
    }
  });
}
