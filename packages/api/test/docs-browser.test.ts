import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RowsPageSchema } from '../src/http/openapi/schemas.js';
import { type StaticUpstream, startStaticUpstream } from '../src/testing/static-upstream.js';
import { hasChromium, launchChromium, skipReason, type Trouble, watch } from './browser.js';
import { SNAPSHOT_DIR } from './snapshot.js';
import { removeDir, startTestApi, type TestApi } from './support.js';

describe.skipIf(!hasChromium)(`/docs in Chromium${skipReason}`, () => {
  let upstream: StaticUpstream;
  let api: TestApi;
  let browser: Browser;

  beforeAll(async () => {
    upstream = await startStaticUpstream(SNAPSHOT_DIR);
    [api, browser] = await Promise.all([startTestApi(upstream.url), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    if (api) await removeDir(api.cacheDir);
    await upstream?.close();
  });

  /** Opens /docs in a fresh page, with CSP violations reported on the console. */
  async function openDocs(): Promise<{ page: Page; trouble: Trouble }> {
    const page = await browser.newPage();
    page.setDefaultTimeout(15_000);
    const trouble = await watch(page);
    const response = await page.goto(`${api.url}/docs`);
    expect(response?.status()).toBe(200);
    expect(page.url()).toBe(`${api.url}/docs/`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    return { page, trouble };
  }

  it('lists every operation, with nothing loaded from elsewhere and no errors', async () => {
    const { page, trouble } = await openDocs();
    await page.locator('#operations-datasets-getDatasetRows').waitFor();
    await page.locator('#operations-legacy-legacy_producao').waitFor();
    const paths = await page.locator('.opblock .opblock-summary-path').allTextContents();
    const documented = Object.keys(
      ((await (await api.get('/openapi.json')).json()) as { paths: object }).paths,
    );
    // Swagger UI puts zero-width spaces after slashes so long paths can wrap.
    expect(paths.map((path) => path.replaceAll('\u200b', '')).sort()).toEqual(documented.sort());
    expect(trouble).toEqual({ foreignRequests: [], errors: [] });
    await page.close();
  });

  it('"Try it out" → "Execute" gets rows from this server', async () => {
    const { page, trouble } = await openDocs();
    const operation = page.locator('#operations-datasets-getDatasetRows');
    await operation.locator('.opblock-summary').click();
    await operation.locator('button.try-out__btn').click();
    await operation.locator('tr[data-param-name="dataset"] select').selectOption('producao');
    const [response] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/datasets/producao/rows'),
      operation.locator('button.execute').click(),
    ]);
    expect(response.status()).toBe(200);
    // The parameters' examples, sent as filled in by Swagger UI.
    expect(new URL(response.url()).searchParams.toString()).toBe('year=2023&is_total=true&limit=5');
    const body = RowsPageSchema.parse(await response.json());
    expect(body.rows.length).toBeGreaterThan(0);
    expect(body.rows.every((row) => row.year === 2023 && row.is_total)).toBe(true);

    // What the page shows: the live response's status and body.
    const live = operation.locator('.live-responses-table tbody tr.response');
    await live.waitFor();
    expect((await live.locator('.response-col_status').textContent())?.trim()).toBe('200');
    expect(await live.locator('.response-col_description pre').first().textContent()).toContain(
      '"dataset": "producao"',
    );
    expect(trouble).toEqual({ foreignRequests: [], errors: [] });
    await page.close();
  });
});
