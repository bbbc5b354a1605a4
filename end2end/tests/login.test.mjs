// End-to-end: each demo role signs in on its tenant host in headless Chromium and sees its
// home page under that tenant's branding. Run by `make test` against the built server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './chromium.mjs';

const port = process.env.BASE_PORT || '3000';
const PASSWORD = 'throughline-demo';
let browser;

before(async () => {
  browser = await launch();
});
after(async () => { await browser?.close(); });

async function signIn(host, email, { waitForHydration = false } = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`http://${host}:${port}/login`);
  if (waitForHydration) await page.waitForSelector('body[data-hydrated="true"]', { timeout: 20000 });
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState('load');
  return { context, page };
}

const cases = [
  ['acme.localhost', 'admin@acme.test', '/workspace', 'Tenant admin', 'Acme Order Hub', 'rgb(29, 78, 216)'],
  ['acme.localhost', 'clerk@acme.test', '/workspace', 'AR clerk', 'Acme Order Hub', 'rgb(29, 78, 216)'],
  ['acme.localhost', 'service@acme.test', '/workspace', 'Customer service', 'Acme Order Hub', 'rgb(29, 78, 216)'],
  ['acme.localhost', 'buyer@initech.test', '/portal', 'Customer', 'Acme Order Hub', 'rgb(29, 78, 216)'],
  ['bluegrass.localhost', 'admin@bluegrass.test', '/workspace', 'Tenant admin', 'Bluegrass Connect', 'rgb(4, 120, 87)'],
  ['bluegrass.localhost', 'clerk@bluegrass.test', '/workspace', 'AR clerk', 'Bluegrass Connect', 'rgb(4, 120, 87)'],
  ['bluegrass.localhost', 'buyer@globex.test', '/portal', 'Customer', 'Bluegrass Connect', 'rgb(4, 120, 87)'],
  ['localhost', 'partner@northwind.test', '/partner', 'Partner admin', 'Throughline Partner Console', 'rgb(51, 65, 85)'],
];

for (const [host, email, home, role, product, colour] of cases) {
  test(`${email} signs in at ${host} and sees ${home}`, async () => {
    const { context, page } = await signIn(host, email);
    try {
      assert.equal(new URL(page.url()).pathname, home);
      assert.equal(await page.title(), product);
      assert.equal(await page.getByTestId('product-name').textContent(), product);
      assert.equal(await page.getByTestId('viewer-role').textContent(), role);
      const bg = await page.getByTestId('brand-header').evaluate((el) => getComputedStyle(el).backgroundColor);
      assert.equal(bg, colour);
    } finally {
      await context.close();
    }
  });
}

test('sign-in works after hydration too, and a wrong password shows a message', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    await page.goto(`http://acme.localhost:${port}/login`);
    await page.waitForSelector('body[data-hydrated="true"]', { timeout: 20000 });
    await page.getByLabel('Email').fill('clerk@acme.test');
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForSelector('[role="alert"]');
    assert.match(await page.locator('[role="alert"]').textContent(), /not correct/);
  } finally {
    await context.close();
  }
  const { context: c2, page: p2 } = await signIn('acme.localhost', 'admin@acme.test', { waitForHydration: true });
  try {
    assert.equal(new URL(p2.url()).pathname, '/workspace');
    await p2.getByRole('button', { name: 'Sign out' }).click();
    await p2.waitForURL(/\/login$/);
  } finally {
    await c2.close();
  }
});

test('the two tenants look different', async () => {
  const a = await signIn('acme.localhost', 'admin@acme.test');
  const b = await signIn('bluegrass.localhost', 'admin@bluegrass.test');
  try {
    const colour = (p) => p.getByTestId('brand-header').evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.notEqual(await colour(a.page), await colour(b.page));
    assert.notEqual(await a.page.title(), await b.page.title());
  } finally {
    await a.context.close();
    await b.context.close();
  }
});
