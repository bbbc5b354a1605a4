// End-to-end, on a fresh platform (test.sh's second instance: one partner made with
// `throughline create-partner`, no demo data, its e-mail sent to SMTP_PORT): the partner admin
// creates a tenant from the console and brands it; its first admin follows the invitation
// e-mail's link (read from an SMTP server in this test), chooses a name and a password, and
// lands in the workspace under the new brand. Then the partner admin invites a partner viewer
// to the team, who joins by the e-mailed link and sees the console without its actions. With
// JavaScript on and off: every step is a plain form.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch } from './chromium.mjs';
import { startSmtpSink, unfold } from './smtp-sink.mjs';

const port = process.env.FRESH_PORT;
const partnerPassword = process.env.FRESH_PASSWORD;
const smtpPort = process.env.SMTP_PORT;
let browser;
let sink;

before(async () => {
  assert.ok(port && partnerPassword && smtpPort, 'FRESH_PORT, FRESH_PASSWORD and SMTP_PORT name the fresh instance, its partner password and where it sends e-mail');
  sink = await startSmtpSink(smtpPort);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await sink?.close();
});

/** Signs the fresh instance's partner admin in on `page`. */
async function signInAsPartner(page) {
  await page.goto(`http://localhost:${port}/login`);
  await page.getByLabel('Email').fill('msp@harbor.test');
  await page.getByLabel('Password').fill(partnerPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState('load');
}

/** Accepts the invitation of `link` on `page`: its heading names `org`; lands signed in. */
async function acceptInvitation(page, link, org, name, password) {
  await page.goto(link);
  assert.match(await page.getByRole('heading', { level: 1 }).textContent(), new RegExp(`Join ${org}`));
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Choose a password').fill(password);
  await page.getByLabel('The same password again').fill(password);
  await page.getByRole('button', { name: 'Create my account' }).click();
  await page.waitForLoadState('load');
}

for (const javaScriptEnabled of [true, false]) {
  test(`a partner creates and brands a tenant, and its admin signs in under the brand (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, { timeout: 180_000 }, async () => {
    const tag = `${javaScriptEnabled ? 'js' : 'nojs'}${Date.now().toString(36)}`;
    const [name, slug, email] = [`Harbor Supply ${tag}`, `harbor-${tag}`, `hana@${tag}.test`];
    const partner = await browser.newContext({ javaScriptEnabled });
    const invitee = await browser.newContext({ javaScriptEnabled });
    try {
      const page = await partner.newPage();
      await signInAsPartner(page);
      await page.getByLabel('Distributor name').fill(name);
      await page.getByLabel('Address (slug)').fill(slug);
      await page.getByLabel("First admin's e-mail").fill(email);
      await page.getByLabel("First admin's name (optional)").fill('Hana Harbor');
      await page.getByRole('button', { name: 'Create tenant and invite its admin' }).click();
      await page.waitForLoadState('load');
      assert.match(await page.getByTestId('notice').textContent(), new RegExp(`${name} is created`));

      await page.getByRole('link', { name: `Branding of ${name}` }).click();
      await page.waitForLoadState('load');
      await page.getByRole('textbox', { name: 'Primary colour', exact: true }).fill('#0f766e');
      await page.getByLabel('Footer text').fill(`${name}, Portland ME`);
      await page.getByRole('button', { name: 'Save branding' }).click();
      await page.waitForLoadState('load');
      assert.match(await page.getByTestId('notice').textContent(), /saved/);
      // Its logo: an SVG whose script the server drops before keeping it.
      const logo = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40"><script>alert(1)</script><rect width="40" height="40" rx="8" fill="#0f766e"/></svg>';
      await page.getByLabel('Logo', { exact: true }).setInputFiles({ name: 'harbor.svg', mimeType: 'image/svg+xml', buffer: Buffer.from(logo) });
      await page.getByRole('button', { name: 'Upload' }).click();
      await page.waitForLoadState('load');
      assert.match(await page.getByTestId('notice').textContent(), new RegExp(`Logo of ${name} saved`));
      assert.ok(await page.getByTestId('current-logo').evaluate((img) => img.complete && img.naturalWidth > 0), 'the editor shows the logo');

      const mail = await sink.waitFor(email, () => true, 60_000);
      const link = unfold(mail.data).match(/http:\/\/[a-z0-9.-]+(:\d+)?\/invite\/[0-9a-f]{64}/)?.[0];
      assert.ok(link?.startsWith(`http://${slug}.localhost`), `the link points at the new tenant: ${link}`);

      const join = await invitee.newPage();
      await acceptInvitation(join, link, name, 'Hana Harbor', 'tide pool lighthouse 7');
      assert.equal(new URL(join.url()).pathname, '/workspace');
      assert.equal(await join.title(), name);
      assert.equal(await join.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()), '#0f766e');
      assert.ok((await join.getByTestId('brand-footer').textContent()).includes(`${name}, Portland ME`));
      assert.equal(await join.getByTestId('viewer-name').textContent(), 'Hana Harbor');
      const header = join.getByTestId('brand-logo');
      await header.evaluate((img) => img.complete || new Promise((done) => { img.onload = done; img.onerror = done; }));
      assert.ok(await header.evaluate((img) => img.naturalWidth > 0), 'the header shows the uploaded logo');
      assert.match(await join.locator('link[rel="icon"]').getAttribute('href'), /^\/branding\/logo\?v=[0-9a-f]{16}$/);
    } finally {
      await partner.close();
      await invitee.close();
    }
  });
}

for (const javaScriptEnabled of [true, false]) {
  test(`a partner admin invites a partner viewer, who sees the console and changes nothing (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, { timeout: 180_000 }, async () => {
    const tag = `${javaScriptEnabled ? 'js' : 'nojs'}${Date.now().toString(36)}`;
    const email = `vi-${tag}@harbor.test`;
    const partner = await browser.newContext({ javaScriptEnabled });
    const invitee = await browser.newContext({ javaScriptEnabled });
    try {
      const page = await partner.newPage();
      await signInAsPartner(page);
      await page.getByRole('link', { name: 'Team' }).click();
      await page.waitForLoadState('load');
      await page.getByLabel('E-mail').fill(email);
      await page.getByLabel('Name (optional)').fill('Vi Harbor');
      await page.getByLabel('Role').selectOption('partner_viewer');
      await page.getByRole('button', { name: 'Send invitation' }).click();
      await page.waitForLoadState('load');
      assert.match(await page.getByTestId('notice').textContent(), new RegExp(`An invitation to ${email} as partner viewer is on its way`));

      const mail = await sink.waitFor(email, () => true, 60_000);
      const link = unfold(mail.data).match(/http:\/\/[a-z0-9.-]+(:\d+)?\/invite\/[0-9a-f]{64}/)?.[0];
      assert.ok(link?.startsWith(`http://localhost:${port}/invite/`), `the link points at the console: ${link}`);
      const join = await invitee.newPage();
      await acceptInvitation(join, link, 'Harbor MSP', 'Vi Harbor', 'quay crane at dawn 12');
      assert.equal(new URL(join.url()).pathname, '/partner');
      assert.equal(await join.getByTestId('viewer-role').textContent(), 'Partner viewer');
      assert.equal(await join.getByRole('button', { name: 'Create tenant and invite its admin' }).count(), 0, 'no new-tenant form');
      assert.equal(await join.getByRole('link', { name: /^Branding of / }).count(), 0, 'no tenant actions');
      await join.getByRole('link', { name: 'Team' }).click();
      await join.waitForLoadState('load');
      assert.ok((await join.getByTestId('members').textContent()).includes('Vi Harbor'));
      assert.equal(await join.getByRole('button', { name: 'Send invitation' }).count(), 0, 'a viewer invites no one');
    } finally {
      await partner.close();
      await invitee.close();
    }
  });
}
