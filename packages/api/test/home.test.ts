import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DATASET_IDS, DATASETS, type TidyRow, TidyRowSchema } from '@vitibrasil/core';
import { type CheerioAPI, load } from 'cheerio';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Catalog, HomeIndexSchema, ProblemSchema } from '../src/http/openapi/schemas.js';
import { type StaticUpstream, startStaticUpstream } from '../src/testing/static-upstream.js';
import { SNAPSHOT_DIR } from './snapshot.js';
import { eventually, removeDir, sleep, startTestApi, type TestApi } from './support.js';

const KEY = 'home-test-key-0123456789abcdef';

const totalHits = (upstream: StaticUpstream): number =>
  [...upstream.hits.values()].reduce((sum, hits) => sum + hits, 0);

async function page(api: TestApi, headers: Record<string, string> = {}) {
  const response = await api.get('/', { accept: 'text/html', ...headers });
  const text = await response.text();
  return { response, text, $: load(text) };
}

async function rowsOf(api: TestApi, id: string, headers: Record<string, string> = {}): Promise<TidyRow[]> {
  const response = await api.get(`/v1/datasets/${id}/rows?format=ndjson`, headers);
  expect(response.status, id).toBe(200);
  return (await response.text())
    .split('\n')
    .filter(Boolean)
    .map((line) => TidyRowSchema.parse(JSON.parse(line)));
}

/**
 * What the chart should show, from the rows the API serves: per year the sum of the total rows (or of every row
 * where the file has none), null where a summed row has no number; then runs of consecutive known years.
 */
function expectedSeries(rows: readonly TidyRow[]) {
  const totals = rows.filter((row) => row.is_total);
  const summed = totals.length ? totals : rows;
  const years = [...new Set(rows.map((row) => row.year))].sort((a, b) => a - b);
  const points = years.map((year) => {
    const ofYear = summed.filter((row) => row.year === year);
    const total = ofYear.some((row) => row.quantity === null)
      ? null
      : ofYear.reduce((sum, row) => sum + (row.quantity ?? 0), 0);
    return { year, total };
  });
  const runs: { year: number; total: number }[][] = [[]];
  for (const { year, total } of points) {
    if (total === null) runs.push([]);
    else runs.at(-1)?.push({ year, total });
  }
  return {
    points,
    runs: runs.filter((run) => run.length > 0),
    categories: [...new Set(totals.map((row) => row.category ?? ''))],
  };
}

/** The points of an SVG path made of M/L commands, one list per subpath. */
function subpaths(d: string): { x: number; y: number }[][] {
  const result: { x: number; y: number }[][] = [];
  for (const [, command, x, y] of d.matchAll(/([ML])(-?[\d.]+) (-?[\d.]+)/g)) {
    if (command === 'M') result.push([]);
    result.at(-1)?.push({ x: Number(x), y: Number(y) });
  }
  return result;
}

const item = ($: CheerioAPI, id: string) => $(`li.dataset[data-dataset="${id}"]`);

describe('GET / over a real socket', () => {
  let upstream: StaticUpstream;
  let api: TestApi;

  beforeAll(async () => {
    upstream = await startStaticUpstream(SNAPSHOT_DIR);
    api = await startTestApi(upstream.url);
  });
  afterAll(async () => {
    await api?.close();
    if (api) await removeDir(api.cacheDir);
    await upstream?.close();
  });

  it('on a fresh cache lists the 15 datasets as not fetched, and asks the upstream for nothing', async () => {
    const { response, text, $ } = await page(api);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('vary')).toMatch(/\bAccept\b/);
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(text.startsWith('<!DOCTYPE html>')).toBe(true);
    expect($('html').attr('lang')).toBe('en');
    expect($('h1').text()).toBe('Vitibrasil data service');
    expect(
      $('li.dataset')
        .map((_, el) => $(el).attr('data-dataset'))
        .get(),
    ).toEqual([...DATASET_IDS]);
    for (const id of DATASET_IDS) {
      expect(item($, id).attr('data-state'), id).toBe('missing');
      expect(item($, id).find('.state').text(), id).toMatch(/^Not fetched yet/);
    }
    expect($('.summary').text()).toMatch(/^0 of 15 datasets held/);
    expect($('svg')).toHaveLength(0);
    // Under the CSP: no script at all, no inline style; the stylesheet is a file of this server.
    expect($('script')).toHaveLength(0);
    expect($('[style], style')).toHaveLength(0);
    expect($('link[rel="stylesheet"]').attr('href')).toBe('./home.css');
    // The navigation points at the documents.
    expect(
      $('nav a')
        .map((_, a) => $(a).attr('href'))
        .get(),
    ).toEqual(['./docs/', './openapi.json', './v1/datasets', './readyz']);

    const head = await fetch(`${api.url}/`, { method: 'HEAD', headers: { accept: 'text/html' } });
    expect(head.status).toBe(200);
    expect(head.headers.get('etag')).toBe(response.headers.get('etag'));
    expect(await head.text()).toBe('');

    const index = await api.get('/', { accept: 'application/json' });
    expect(index.status).toBe(200);
    HomeIndexSchema.parse(await index.json());
    expect(totalHits(upstream)).toBe(0);
  });

  it('sends the JSON index of links to clients asking for JSON; every link answers', async () => {
    const response = await api.get('/', { accept: 'application/json' });
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('vary')).toMatch(/\bAccept\b/);
    const index = HomeIndexSchema.parse(await response.json());
    expect(index.datasets.map((d) => d.id)).toEqual([...DATASET_IDS]);
    const catalog = (await (await api.get('/v1/datasets')).json()) as Catalog;
    for (const [i, entry] of catalog.datasets.entries()) {
      expect(index.datasets[i]).toMatchObject({ rows_url: entry.rows_url, legacy_route: entry.legacy_route });
    }
    for (const path of Object.values(index.links)) {
      expect((await api.get(path, { accept: 'application/json' })).status, path).toBe(200);
    }
    const [first] = index.datasets;
    for (const path of [first?.catalog_url, first?.rows_url, first?.csv_url, first?.legacy_route]) {
      const answer = await api.get(path ?? '');
      expect(answer.status, path).toBe(200);
      await answer.arrayBuffer();
    }
    const csv = await api.get(first?.csv_url ?? '');
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    await csv.arrayBuffer();

    // Preferences by quality; anything else is a 406 problem.
    const preferred = await api.get('/', { accept: 'application/json;q=0.5, text/html' });
    expect(preferred.headers.get('content-type')).toBe('text/html; charset=utf-8');
    await preferred.arrayBuffer();
    const browserLike = await api.get('/', {
      accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
    });
    expect(browserLike.headers.get('content-type')).toBe('text/html; charset=utf-8');
    await browserLike.arrayBuffer();
    const refused = await api.get('/', { accept: 'text/plain' });
    expect(refused.status).toBe(406);
    expect(refused.headers.get('vary')).toMatch(/\bAccept\b/);
    expect(ProblemSchema.parse(await refused.json())).toMatchObject({
      code: 'NOT_ACCEPTABLE',
      valid_values: ['text/html', 'application/json'],
    });
  });

  it('shows each fetched dataset with its state, facts, links and a chart of its yearly total', async () => {
    const expected = new Map<string, ReturnType<typeof expectedSeries>>();
    for (const id of DATASET_IDS) expected.set(id, expectedSeries(await rowsOf(api, id)));
    const hitsBefore = totalHits(upstream);
    expect(hitsBefore).toBe(15);
    const catalog = (await (await api.get('/v1/datasets')).json()) as Catalog;

    const { $ } = await page(api);
    expect($('.summary').text()).toMatch(/^15 of 15 datasets held/);
    for (const entry of catalog.datasets) {
      const li = item($, entry.id);
      const cached = entry.cached;
      if (!cached) throw new Error(`${entry.id} is not cached`);
      expect(li.attr('data-state'), entry.id).toBe('fresh');
      expect(li.find('.state').text(), entry.id).toBe('fresh · from the upstream');
      expect(li.find('.facts time').attr('datetime'), entry.id).toBe(cached.fetched_at);
      const facts = li.find('.facts').text();
      expect(facts).toContain(`${cached.row_count.toLocaleString('en-US')} tidy rows`);
      expect(facts).toContain(`${cached.year_from}–${cached.year_to}`);
      expect(
        li
          .find('.dataset-links a')
          .map((_, a) => $(a).attr('href'))
          .get(),
        entry.id,
      ).toEqual([
        `.${entry.rows_url}`,
        `.${entry.rows_url}?format=csv`,
        `.${entry.legacy_route}`,
        `./v1/datasets/${entry.id}`,
        entry.upstream_url,
      ]);

      const series = expected.get(entry.id);
      if (!series) throw new Error(`no rows for ${entry.id}`);
      const svg = li.find('svg');
      expect(svg, entry.id).toHaveLength(1);
      expect(svg.attr('role')).toBe('img');
      // The accessible name: a <title> and a description with the axis range, both referenced.
      const [titleId, descId] = (svg.attr('aria-labelledby') ?? '').split(' ');
      expect(svg.find(`title#${titleId}`).text()).toBe(
        `${entry.id}: yearly total, ${cached.year_from}–${cached.year_to}`,
      );
      const known = series.points.flatMap((p) => (p.total === null ? [] : [p.total]));
      const max = Math.max(...known);
      expect(Number(svg.attr('data-low'))).toBe(0);
      expect(Number(svg.attr('data-high'))).toBeCloseTo(max, 3);
      expect(svg.find(`desc#${descId}`).text()).toMatch(/^Vertical axis from 0 to /);

      // One subpath per run of two or more known years, a dot for a lone one: gaps are breaks, not zeros.
      const lines = subpaths(svg.find('path.chart-line').attr('d') ?? '');
      const runs = series.runs.filter((run) => run.length > 1);
      expect(
        lines.map((line) => line.length),
        entry.id,
      ).toEqual(runs.map((run) => run.length));
      expect(svg.find('circle.chart-dot'), entry.id).toHaveLength(series.runs.length - runs.length);
      expect(svg.find('line.chart-gap'), entry.id).toHaveLength(series.points.length - known.length);
      // Left to right by year; a larger total is drawn higher (smaller y).
      const drawn = runs.flatMap((run, r) => run.map((p, i) => ({ ...p, ...lines[r]?.[i] })));
      for (const [a, b] of drawn.slice(1).map((p, i) => [drawn[i], p] as const)) {
        if (a?.x === undefined || b?.x === undefined) throw new Error('point not drawn');
        expect(b.x).toBeGreaterThan(a.x);
      }
      const byValue = [...drawn].sort((a, b) => a.total - b.total);
      for (let i = 1; i < byValue.length; i++) {
        expect(byValue[i]?.y ?? 0, entry.id).toBeLessThanOrEqual(byValue[i - 1]?.y ?? 0);
      }

      const caption = li.find('figcaption').text();
      const latest = series.points.findLast((p) => p.total !== null);
      expect(caption, entry.id).toContain(
        `Latest, ${latest?.year}: ${Math.round(latest?.total ?? 0).toLocaleString('en-US')}`,
      );
      if (series.categories.length) {
        expect(caption).toContain(`category total rows: ${series.categories.join(', ')}.`);
      } else {
        expect(caption).toMatch(/Sum of all \d+ published rows/);
      }
    }

    // Every link of the page answers, the source files (here the loopback upstream) included.
    const hrefs = new Set(
      $('a[href]')
        .map((_, a) => $(a).attr('href'))
        .get(),
    );
    for (const href of hrefs) {
      const answer = await fetch(new URL(href, `${api.url}/`));
      expect(answer.status, href).toBe(200);
      await answer.arrayBuffer();
    }
    // The page views made no fetch: only the 15 source-file links just followed reached the upstream.
    expect(totalHits(upstream)).toBe(hitsBefore + DATASETS.length);
  });

  it('is served with an ETag per representation: 304 on If-None-Match', async () => {
    for (const accept of ['text/html', 'application/json']) {
      const first = await request(`${api.url}/`, { headers: { accept } });
      await first.body.dump();
      const etag = String(first.headers.etag);
      expect(etag).toMatch(/^"[\w-]+"$/);
      const again = await request(`${api.url}/`, { headers: { accept, 'if-none-match': etag } });
      await again.body.dump();
      expect(again.statusCode, accept).toBe(304);
      expect(again.headers.vary).toMatch(/\bAccept\b/);
    }
    const html = await request(`${api.url}/`, { headers: { accept: 'text/html' } });
    const json = await request(`${api.url}/`, { headers: { accept: 'application/json' } });
    await Promise.all([html.body.dump(), json.body.dump()]);
    expect(html.headers.etag).not.toBe(json.headers.etag);
  });

  it('serves its stylesheet, and refuses query parameters as every route does', async () => {
    const css = await request(`${api.url}/home.css`);
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(await css.body.text()).toContain('.chart-line');
    const conditional = await request(`${api.url}/home.css`, {
      headers: { 'if-none-match': String(css.headers.etag) },
    });
    await conditional.body.dump();
    expect(conditional.statusCode).toBe(304);

    const withQuery = await api.get('/?utm_source=x');
    expect(withQuery.status).toBe(400);
    expect(ProblemSchema.parse(await withQuery.json()).invalid_params).toEqual([
      { name: 'utm_source', reason: 'is not a parameter of this route' },
    ]);
  });
});

describe('GET / shows every state a copy can be in', () => {
  let upstream: StaticUpstream;
  const apis: TestApi[] = [];
  afterEach(async () => {
    for (const api of apis.splice(0)) {
      await api.close();
      await removeDir(api.cacheDir);
    }
    await upstream?.close();
  });

  it('stale, stale-if-error with the failure, then from disk after a restart', async () => {
    upstream = await startStaticUpstream(SNAPSHOT_DIR);
    const first = await startTestApi(upstream.url, { CACHE_TTL_SECONDS: '1', UPSTREAM_RETRIES: '0' });
    apis.push(first);
    await rowsOf(first, 'producao');
    await sleep(1100);
    const stale = await page(first);
    expect(item(stale.$, 'producao').find('.state').text()).toBe('stale · from the upstream');
    expect(item(stale.$, 'producao').find('svg path.chart-line')).toHaveLength(1);

    upstream.setFault((_file, _req, res) => {
      res.writeHead(500).end('Internal Server Error');
      return true;
    });
    await first.get('/v1/datasets/producao/rows?limit=1'); // served stale; the refresh fails in the background
    let failed = stale.$;
    await eventually(async () => {
      failed = (await page(first)).$;
      return item(failed, 'producao').attr('data-state') === 'stale-if-error';
    });
    const producao = item(failed, 'producao');
    expect(producao.find('.state').text()).toBe('stale-if-error · from the upstream');
    // The page is kept while nothing it shows changes: a new state is a new page, with its own ETag.
    const etags = await Promise.all([page(first), page(first)]).then((views) =>
      views.map((view) => view.response.headers.get('etag')),
    );
    expect(etags[0]).toBe(etags[1]);
    expect(etags[0]).not.toBe(stale.response.headers.get('etag'));
    expect(producao.find('.failure code').text()).toBe('UPSTREAM_HTTP_ERROR');
    expect(producao.find('.failure').text()).toContain('upstream answered 500');
    expect(producao.find('svg path.chart-line')).toHaveLength(1);
    await first.close();
    apis.pop();

    // Restarted on the same CACHE_DIR: the copy is restored from disk; the upstream is still failing.
    const second = await startTestApi(upstream.url, { CACHE_TTL_SECONDS: '1', CACHE_DIR: first.cacheDir });
    apis.push(second);
    const restored = item((await page(second)).$, 'producao');
    expect(restored.find('.state').text()).toMatch(/^stale · from the store \(CACHE_DIR or CACHE_S3_URI\)$/);
    expect(restored.find('svg path.chart-line')).toHaveLength(1);
    expect(item((await page(second)).$, 'comercializacao').attr('data-state')).toBe('missing');
  });

  it('bundled, with its release, when the upstream fails and nothing else is held', async () => {
    upstream = await startStaticUpstream(SNAPSHOT_DIR);
    upstream.setFault((_file, _req, res) => {
      res.writeHead(503).end('Service Unavailable');
      return true;
    });
    const api = await startTestApi(upstream.url, { UPSTREAM_RETRIES: '0' });
    apis.push(api);
    const rows = await rowsOf(api, 'producao');
    const { release } = JSON.parse(await readFile(join(SNAPSHOT_DIR, 'snapshot.json'), 'utf8')) as {
      release: string;
    };
    const producao = item((await page(api)).$, 'producao');
    expect(producao.attr('data-state')).toBe('stale-if-error');
    expect(producao.find('.state').text()).toBe(`stale-if-error · from the bundled snapshot ${release}`);
    expect(producao.find('.facts dt').first().text()).toBe('retrieved');
    expect(producao.find('.failure code').text()).toBe('UPSTREAM_HTTP_ERROR');
    const lines = subpaths(producao.find('svg path.chart-line').attr('d') ?? '');
    expect(lines.flat()).toHaveLength(expectedSeries(rows).points.length);
  });
});

describe('GET / escapes what the upstream publishes or makes the API say', () => {
  let dir: string;
  let upstream: StaticUpstream;
  let api: TestApi;
  // Markup, quotes and character references; no `;`, the file's delimiter.
  const HOSTILE = `<SCRIPT>ALERT('PWNED')</SCRIPT> & <IMG SRC=X ONERROR=ALERT(1)> &AMP`;
  const HOSTILE_COLUMN = `<img src=x onerror="alert('x')">`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vitibrasil-hostile-'));
    await cp(SNAPSHOT_DIR, dir, { recursive: true });
    // A category total row renamed (name and control, as the file writes its totals) to markup.
    const producao = await readFile(join(SNAPSHOT_DIR, 'Producao.csv'), 'utf8');
    const hostile = producao.replace('1;VINHO DE MESA;VINHO DE MESA;', `1;${HOSTILE};${HOSTILE};`);
    expect(hostile).not.toBe(producao);
    await writeFile(join(dir, 'Producao.csv'), hostile);
    // A header with an unexpected column named in markup: the reader refuses the file and its message quotes it.
    const mesa = await readFile(join(SNAPSHOT_DIR, 'ProcessaMesa.csv'), 'utf8');
    const [header = '', ...lines] = mesa.split('\n');
    const delimiter = header.includes('\t') ? '\t' : ';';
    await writeFile(
      join(dir, 'ProcessaMesa.csv'),
      [`${header}${delimiter}${HOSTILE_COLUMN}`, ...lines].join('\n'),
    );
    upstream = await startStaticUpstream(dir);
    api = await startTestApi(upstream.url);
  });
  afterAll(async () => {
    await api?.close();
    if (api) await removeDir(api.cacheDir);
    await upstream?.close();
    await removeDir(dir);
  });

  it('shows a hostile category name as text, never as markup', async () => {
    const rows = await rowsOf(api, 'producao');
    expect(rows.some((row) => row.is_total && row.category === HOSTILE)).toBe(true);
    const { text, $ } = await page(api);
    expect(text).not.toMatch(/<script|<img/i);
    expect(text).toContain('&lt;SCRIPT&gt;ALERT(&#39;PWNED&#39;)&lt;/SCRIPT&gt; &amp; &lt;IMG');
    expect(text).toContain('&gt; &amp;AMP');
    expect($('script, img')).toHaveLength(0);
    expect(item($, 'producao').find('figcaption').text()).toContain(`category total rows: ${HOSTILE}, `);
  });

  it('shows an upstream failure message quoting upstream text as text', async () => {
    // Refused by the reader; the bundled snapshot answers meanwhile, and the failure is on the page.
    expect((await api.get('/v1/datasets/processamento_mesa')).status).toBe(200);
    const refused = await api.get('/v1/datasets/processamento_mesa/rows?limit=1');
    expect(refused.headers.get('x-data-source')).toBe('bundled; state=stale-if-error');
    await refused.arrayBuffer();
    const { text, $ } = await page(api);
    expect(text).not.toMatch(/<script|<img/i);
    const failure = item($, 'processamento_mesa').find('.failure');
    expect(failure.find('code').text()).toBe('MALFORMED_UPSTREAM_FILE');
    expect(failure.text()).toContain(`unexpected column '${HOSTILE_COLUMN}'`);
    expect($('script, img')).toHaveLength(0);
  });
});

describe('GET / with API keys', () => {
  let upstream: StaticUpstream;
  let api: TestApi;

  beforeAll(async () => {
    upstream = await startStaticUpstream(SNAPSHOT_DIR);
    api = await startTestApi(upstream.url, { API_KEYS: KEY });
  });
  afterAll(async () => {
    await api?.close();
    if (api) await removeDir(api.cacheDir);
    await upstream?.close();
  });

  it('is open, but shows data only to a request with a valid key', async () => {
    await rowsOf(api, 'producao', { 'x-api-key': KEY });
    const open = await page(api);
    expect(open.response.status).toBe(200);
    expect(open.response.headers.get('cache-control')).toBe('private, no-cache');
    expect(open.response.headers.get('vary')).toMatch(/\bAuthorization\b.*\bX-Api-Key\b/i);
    expect(open.$('li.dataset')).toHaveLength(15);
    expect(
      new Set(
        open
          .$('li.dataset')
          .map((_, el) => open.$(el).attr('data-state'))
          .get(),
      ),
    ).toEqual(new Set(['locked']));
    expect(open.$('svg, time, .facts')).toHaveLength(0);
    expect(open.$('.summary').text()).toContain('requires an API key');
    expect((await api.get('/home.css')).status).toBe(200);
    expect((await api.get('/', { accept: 'application/json' })).status).toBe(200);

    const keyed = await page(api, { authorization: `Bearer ${KEY}` });
    expect(keyed.response.headers.get('cache-control')).toBe('private, no-cache');
    expect(item(keyed.$, 'producao').attr('data-state')).toBe('fresh');
    expect(item(keyed.$, 'producao').find('svg path.chart-line')).toHaveLength(1);
    expect(item(keyed.$, 'comercializacao').attr('data-state')).toBe('missing');
    expect(upstream.hits.get('Producao.csv')).toBe(1);
    expect(totalHits(upstream)).toBe(1);
  });
});
