import { DATASET_IDS } from '@vitibrasil/core';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StaticUpstream, startStaticUpstream } from '../src/testing/static-upstream.js';
import { hasChromium, launchChromium, skipReason, watch } from './browser.js';
import { SNAPSHOT_DIR } from './snapshot.js';
import { removeDir, startTestApi, type TestApi } from './support.js';

// Fetched before the page is opened; the last dataset is left for the page to report as not fetched.
const FETCHED = DATASET_IDS.slice(0, -1);
const NOT_FETCHED = DATASET_IDS.at(-1) ?? '';

describe.skipIf(!hasChromium)(`the home page in Chromium${skipReason}`, () => {
  let upstream: StaticUpstream;
  let api: TestApi;
  let browser: Browser;

  beforeAll(async () => {
    upstream = await startStaticUpstream(SNAPSHOT_DIR);
    [api, browser] = await Promise.all([startTestApi(upstream.url), launchChromium()]);
    for (const id of FETCHED) {
      const response = await api.get(`/v1/datasets/${id}/rows?limit=1`);
      expect(response.status, id).toBe(200);
      await response.arrayBuffer();
    }
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    if (api) await removeDir(api.cacheDir);
    await upstream?.close();
  });

  it('lists the 15 datasets and draws a chart for each one fetched, loading nothing from elsewhere', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(15_000);
    const trouble = await watch(page);
    const hitsBefore = [...upstream.hits.values()].reduce((a, b) => a + b, 0);
    const response = await page.goto(`${api.url}/`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toBe('text/html; charset=utf-8');
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.waitForLoadState('load');

    const ids = await page
      .locator('li.dataset')
      .evaluateAll((items) => items.map((item) => item.getAttribute('data-dataset')));
    expect(ids).toEqual([...DATASET_IDS]);

    for (const id of FETCHED) {
      const item = page.locator(`li.dataset[data-dataset="${id}"]`);
      // Found by its accessible name, as a screen reader would.
      const chart = item.getByRole('img', { name: new RegExp(`^${id}: yearly total, \\d{4}–\\d{4}`) });
      expect(await chart.count(), id).toBe(1);
      const line = chart.locator('path.chart-line');
      expect(await line.count(), id).toBe(1);
      const box = await line.boundingBox();
      expect(box?.width ?? 0, id).toBeGreaterThan(100);
      expect(box?.height ?? 0, id).toBeGreaterThan(5);
      // Styled by home.css (SVG's default fill is black): the stylesheet loaded under the CSP.
      expect(
        await line.evaluate((path) => path.ownerDocument.defaultView?.getComputedStyle(path).fill),
        id,
      ).toBe('none');
      expect(await item.locator('.state').textContent(), id).toBe('fresh · from the upstream');
    }
    const missing = page.locator(`li.dataset[data-dataset="${NOT_FETCHED}"]`);
    expect(await missing.locator('.state').textContent()).toMatch(/^Not fetched yet/);
    expect(await missing.locator('svg').count()).toBe(0);

    expect(await page.title()).toBe('Vitibrasil data service');
    expect(trouble).toEqual({ foreignRequests: [], errors: [] });
    // Opening the page fetched nothing from the upstream.
    expect([...upstream.hits.values()].reduce((a, b) => a + b, 0)).toBe(hitsBefore);
    await page.close();
  });

  it('links to the documentation and to the rows, which open from the page', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(15_000);
    const trouble = await watch(page);
    await page.goto(`${api.url}/`);
    await Promise.all([
      page.waitForURL(`${api.url}/docs/`),
      page.getByRole('link', { name: 'API documentation' }).click(),
    ]);
    await page.locator('#operations-datasets-getDatasetRows').waitFor();
    await page.goBack();
    const [rows] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/datasets/producao/rows'),
      page.locator('li.dataset[data-dataset="producao"]').getByRole('link', { name: 'rows (JSON)' }).click(),
    ]);
    expect(rows.status()).toBe(200);
    expect(((await rows.json()) as { dataset: string }).dataset).toBe('producao');
    expect(trouble).toEqual({ foreignRequests: [], errors: [] });
    await page.close();
  });
});
