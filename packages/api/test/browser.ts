import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

// CI installs Chromium: there a missing browser is a failure, not a skip.
if (!hasChromium && process.env.CI) {
  throw new Error(
    `CI is set but ${CHROMIUM} is missing: install it (apt-get install chromium) to run the browser tests`,
  );
}

export const skipReason = hasChromium ? '' : ` (skipped: ${CHROMIUM} not found; CI fails instead)`;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** What the page did that it must not: requests off this machine, console errors, CSP violations, failed loads. */
export interface Trouble {
  readonly foreignRequests: string[];
  readonly errors: string[];
}

/** Watches a page for trouble, with CSP violations reported on the console (so they count as errors). */
export async function watch(page: Page): Promise<Trouble> {
  const trouble: Trouble = { foreignRequests: [], errors: [] };
  page.on('request', (request) => {
    const { protocol, hostname } = new URL(request.url());
    if (protocol !== 'data:' && hostname !== '127.0.0.1') trouble.foreignRequests.push(request.url());
  });
  page.on('console', (message) => {
    if (message.type() === 'error') trouble.errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => trouble.errors.push(`page: ${error.message}`));
  page.on('requestfailed', (request) => trouble.errors.push(`failed: ${request.url()}`));
  page.on('response', (response) => {
    if (response.status() >= 400) trouble.errors.push(`${response.status()}: ${response.url()}`);
  });
  // Init scripts are injected by the browser, not by the page, so the page's CSP does not apply to this one.
  await page.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (event) =>
      console.error('CSP violation: ' + event.violatedDirective + ' ' + event.blockedURI));`,
  });
  return trouble;
}
