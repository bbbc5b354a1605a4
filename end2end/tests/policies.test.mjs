// End-to-end: the partner admin sets a default SLA on the console's Defaults page; Bluegrass's
// admin, who never set SLAs, sees it in force as "Partner default", saves an override of its own
// ("Tenant override"), then reverts to the default. With JavaScript on and off: every form is a
// plain form that posts and redirects back with a notice.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, signInToConsole } from './chromium.mjs';

const port = process.env.BASE_PORT || '3000';
const BG = 'bluegrass.localhost';
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const hydrated = (page, on) => (on ? page.waitForSelector('body[data-hydrated="true"]', { timeout: 20000 }) : Promise.resolve());

// The SLA card's "Missing proof of delivery" field, and the card itself.
const slaCard = (page) => page.locator('[data-rule="sla"]');

for (const javaScriptEnabled of [true, false]) {
  test(`a partner default SLA reaches a tenant, which overrides it and reverts (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
    const hours = javaScriptEnabled ? '36' : '40';
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    try {
      await signInToConsole(page, port);
      await page.getByRole('link', { name: 'Defaults' }).click();
      await page.waitForLoadState('load');
      await hydrated(page, javaScriptEnabled);
      assert.match(await page.getByRole('heading', { level: 1 }).textContent(), /Defaults of Northwind Partners/);
      await slaCard(page).getByLabel(/Missing proof of delivery/).fill(hours);
      await slaCard(page).getByRole('button', { name: 'Save as new version' }).click();
      await page.waitForLoadState('load');
      assert.match(await page.getByTestId('notice').textContent(), /Saved the default SLAs rule as v\d+; every tenant that inherits it follows now/);

      // Bluegrass's admin: the default is in force (the sweep that applies it runs at once).
      const tenant = await context.newPage();
      await tenant.goto(`http://${BG}:${port}/login`);
      await tenant.getByLabel('Email').fill('admin@bluegrass.test');
      await tenant.getByLabel('Password').fill('throughline-demo');
      await tenant.getByRole('button', { name: 'Sign in' }).click();
      await tenant.waitForLoadState('load');
      let value = '';
      for (let i = 0; i < 20 && value !== hours; i++) {
        await tenant.goto(`http://${BG}:${port}/workspace/admin/rules`);
        value = await slaCard(tenant).getByLabel(/Missing proof of delivery/).inputValue();
        if (value !== hours) await tenant.waitForTimeout(250);
      }
      assert.equal(value, hours, 'the partner default is in force');
      await hydrated(tenant, javaScriptEnabled);
      assert.match(await slaCard(tenant).getByTestId('rule-source').textContent(), /Partner default v\d+/);
      assert.equal(await slaCard(tenant).getByRole('button', { name: 'Revert to default' }).count(), 0, 'nothing to revert while it inherits');

      // An override of its own, then back to the default.
      await slaCard(tenant).getByLabel(/Missing proof of delivery/).fill('30');
      await slaCard(tenant).getByRole('button', { name: 'Save as new version' }).click();
      await tenant.waitForLoadState('load');
      await hydrated(tenant, javaScriptEnabled);
      assert.match(await tenant.getByTestId('notice').textContent(), /Saved SLAs as v\d+/);
      assert.equal(await slaCard(tenant).getByTestId('rule-source').textContent(), 'Tenant override');
      assert.equal(await slaCard(tenant).getByLabel(/Missing proof of delivery/).inputValue(), '30');
      await slaCard(tenant).getByRole('button', { name: 'Revert to default' }).click();
      await tenant.waitForLoadState('load');
      assert.match(await tenant.getByTestId('notice').textContent(), /Reverted sla to the default/);
      assert.match(await slaCard(tenant).getByTestId('rule-source').textContent(), /Partner default v\d+/);
      assert.equal(await slaCard(tenant).getByLabel(/Missing proof of delivery/).inputValue(), hours);
    } finally {
      await context.close();
    }
  });
}
