// Shared by the browser suites: Debian's headless Chromium, launched the same way for each.
import { chromium } from 'playwright-core';

export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

// Signs the demo partner admin in to the partner console (the base domain) on `port`.
export async function signInToConsole(page, port) {
  await page.goto(`http://localhost:${port}/login`);
  await page.getByLabel('Email').fill('partner@northwind.test');
  await page.getByLabel('Password').fill('throughline-demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForLoadState('load');
}
