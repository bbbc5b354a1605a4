// End-to-end: a partner admin opens a tenant's branding editor from the partner console, sees
// the preview follow a colour as it is typed (JavaScript on), saves a footer line, support
// contact and the "Powered by" line (on, then off), and the tenant's own sign-in page shows
// them. With JavaScript on and off: the
// editor is a plain form. Colours and names stay as they are (other tests check them).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, signInToConsole } from './chromium.mjs';

const port = process.env.BASE_PORT || '3000';
let browser;

before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

for (const javaScriptEnabled of [true, false]) {
  test(`a partner brands a tenant's footer and support contact (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
    const context = await browser.newContext({ javaScriptEnabled });
    const page = await context.newPage();
    try {
      await signInToConsole(page, port);
      await page.getByRole('link', { name: 'Branding of Bluegrass Foodservice' }).click();
      await page.waitForLoadState('load');
      if (javaScriptEnabled) await page.waitForSelector('body[data-hydrated="true"]', { timeout: 20000 });
      assert.match(await page.getByRole('heading', { level: 1 }).textContent(), /Branding of Bluegrass Foodservice/);
      assert.match(await page.getByTestId('primary-contrast').textContent(), /\d+\.\d\d:1/);

      const primary = page.getByRole('textbox', { name: 'Primary colour', exact: true });
      const saved = await primary.inputValue();
      if (javaScriptEnabled) {
        // The preview follows what is typed, before anything is saved.
        await primary.fill('#7c2d12');
        const banner = page.getByTestId('brand-preview').locator('div').first();
        await page.waitForFunction(() => getComputedStyle(document.querySelector('[data-testid="brand-preview"] div')).backgroundColor === 'rgb(124, 45, 18)');
        assert.equal(await banner.evaluate((e) => getComputedStyle(e).backgroundColor), 'rgb(124, 45, 18)');
        await primary.fill(saved);
      }
      const footer = `Bluegrass Foodservice, Lexington KY (${javaScriptEnabled ? 'js' : 'no js'})`;
      await page.getByLabel('Footer text').fill(footer);
      await page.getByLabel('Support e-mail').fill('help@bluegrass.test');
      // The "Powered by" line: on with JavaScript, off without (each run sets it).
      const powered = page.getByRole('checkbox', { name: /Powered by Northwind Partners/ });
      if (javaScriptEnabled) await powered.check(); else await powered.uncheck();
      await page.getByRole('button', { name: 'Save branding' }).click();
      await page.waitForLoadState('load');
      assert.match(await page.getByTestId('notice').textContent(), /Branding of Bluegrass Foodservice saved/);

      const tenant = await context.newPage();
      await tenant.goto(`http://bluegrass.localhost:${port}/login`);
      const foot = await tenant.getByTestId('brand-footer').textContent();
      assert.ok(foot.includes(footer) && foot.includes('help@bluegrass.test'), foot);
      assert.equal(foot.includes('Powered by Northwind Partners'), javaScriptEnabled, foot);
    } finally {
      await context.close();
    }
  });
}
