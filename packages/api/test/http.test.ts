import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATASETS, type TidyRow, TidyRowSchema } from '@vitibrasil/core';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { legacyPath } from '../src/http/catalog.js';
import { type StaticUpstream, startStaticUpstream } from '../src/testing/static-upstream.js';
import { GOLDEN_DIR, SNAPSHOT_DIR } from './snapshot.js';
import { numbersAsNumbers, removeDir, startTestApi, type TestApi } from './support.js';

const PUBLISHED_ROWS: Record<string, number> = {
  producao: 51 * 54,
  processamento_viniferas: 139 * 54,
  processamento_americanas: 62 * 54,
  processamento_mesa: 10 * 54,
  processamento_semclass: 54,
  comercializacao: 62 * 54,
  importacao_vinhos: 69 * 55,
  importacao_espumantes: 46 * 55,
  importacao_frescas: 20 * 55,
  importacao_passas: 36 * 55,
  importacao_suco: 29 * 55,
  exportacao_vinho: 141 * 55,
  exportacao_espumantes: 107 * 55,
  exportacao_uva: 140 * 55,
  exportacao_suco: 125 * 55,
};

const ndjson = async (response: Response): Promise<TidyRow[]> =>
  (await response.text())
    .split('\n')
    .filter(Boolean)
    .map((line) => TidyRowSchema.parse(JSON.parse(line)));

describe('the API over the real snapshot', () => {
  let upstream: StaticUpstream;
  let api: TestApi;

  beforeAll(async () => {
    upstream = await startStaticUpstream(SNAPSHOT_DIR);
    api = await startTestApi(upstream.url);
  });
  afterAll(async () => {
    await api.close();
    await upstream.close();
    await removeDir(api.cacheDir);
  });

  describe('/v1', () => {
    it.each(DATASETS.map((d) => [d.id] as const))(
      '%s: NDJSON and paged JSON carry the same rows',
      async (id) => {
        const streamed = await api.get(`/v1/datasets/${id}/rows?format=ndjson`);
        expect(streamed.status).toBe(200);
        expect(streamed.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
        const rows = await ndjson(streamed);
        expect(rows).toHaveLength(PUBLISHED_ROWS[id] ?? -1);
        expect(rows.every((row) => row.dataset === id)).toBe(true);

        const paged: TidyRow[] = [];
        let next: string | null = `/v1/datasets/${id}/rows?limit=2500`;
        let pages = 0;
        while (next) {
          const response = await api.get(next);
          expect(response.status).toBe(200);
          const body = (await response.json()) as {
            rows: TidyRow[];
            next_cursor: string | null;
            total: number;
          };
          expect(body.total).toBe(rows.length);
          paged.push(...body.rows);
          const link = response.headers.get('link');
          next = link ? (/^<([^>]+)>; rel="next"$/.exec(link)?.[1] ?? null) : null;
          expect(next === null).toBe(body.next_cursor === null);
          pages++;
        }
        expect(pages).toBe(Math.ceil(rows.length / 2500));
        expect(paged).toEqual(rows);
      },
    );

    it('lists the catalog with what is cached', async () => {
      await api.get('/producaoCSV');
      const body = (await (await api.get('/v1/datasets')).json()) as {
        datasets: {
          id: string;
          legacy_route: string;
          upstream_url: string;
          cached: Record<string, unknown> | null;
        }[];
      };
      expect(body.datasets.map((d) => d.id)).toEqual(DATASETS.map((d) => d.id));
      const producao = body.datasets.find((d) => d.id === 'producao');
      expect(producao).toMatchObject({
        legacy_route: '/producaoCSV',
        upstream_url: `${upstream.url}Producao.csv`,
      });
      expect(producao?.cached).toMatchObject({
        row_count: 2754,
        year_from: 1970,
        year_to: 2023,
        state: 'fresh',
      });
      expect(producao?.cached?.content_hash).toMatch(/^[0-9a-f]{64}$/);
      const detail = await api.get('/v1/datasets/exportacao_uva');
      expect(await detail.json()).toMatchObject({
        id: 'exportacao_uva',
        measures: ['quantity', 'value_usd'],
      });
    });

    it('filters case- and accent-insensitively, by year range and by totals', async () => {
      const get = async (query: string) =>
        ((await (await api.get(`/v1/datasets/${query}`)).json()) as { rows: TidyRow[] }).rows;
      const argentina = await get('importacao_suco/rows?country=ARGENTINA&year=2000');
      expect(argentina).toHaveLength(1);
      expect(argentina[0]).toMatchObject({ quantity: 2022110, value_usd: 1659478 });
      expect(
        await get('exportacao_vinho/rows?country=alemanha,%20republica%20democratica&year_from=2023'),
      ).toHaveLength(2);
      const items = await get('comercializacao/rows?category=vinho%20organico&year_from=2000&year_to=2009');
      expect(items.map((r) => [r.year, r.is_total])).toEqual(
        Array.from({ length: 10 }, (_, i) => [2000 + i, true]),
      );
      const totals = await get('producao/rows?is_total=true&year=2023');
      expect(totals.map((r) => r.category)).toEqual([
        'VINHO DE MESA',
        'VINHO FINO DE MESA (VINIFERA)',
        'SUCO',
        'DERIVADOS',
      ]);
      const cabernet = await get('processamento_viniferas/rows?item=cabernet%20SAUVIGNON&year=2023');
      expect(cabernet).toMatchObject([{ category: 'TINTAS', quantity: 5917172.94 }]);
    });

    it('serves CSV with a header line and nulls as empty fields', async () => {
      const response = await api.get(
        '/v1/datasets/processamento_viniferas/rows?format=csv&item=Jaen&year_from=2022',
      );
      expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(await response.text()).toBe(
        [
          'dataset,category,item,country,year,quantity,quantity_flag,value_usd,value_flag,unit,is_total',
          'processamento_viniferas,TINTAS,Jaen,,2022,,*,,,kg,false',
          'processamento_viniferas,TINTAS,Jaen,,2023,,,,,kg,false',
          '',
        ].join('\r\n'),
      );
    });

    it('answers bad parameters with 400 problem+json naming each one', async () => {
      const cases: [string, string[]][] = [
        ['year=20x0', ['year']],
        ['limit=0', ['limit']],
        ['limit=10001', ['limit']],
        ['format=xml', ['format']],
        ['is_total=yes', ['is_total']],
        ['year_from=2010&year_to=2000', ['year_from']],
        ['colour=red&year=1', ['colour', 'year']],
        ['year=2000&year=2001', ['year']],
        ['cursor=!!', ['cursor']],
        ['cursor=bm9wZQ', ['cursor']],
        ['category=', ['category']],
        ['format=csv&limit=10', ['limit']],
        ['format=ndjson&cursor=abc', ['cursor']],
      ];
      for (const [query, names] of cases) {
        const response = await api.get(`/v1/datasets/producao/rows?${query}`);
        expect(response.status, query).toBe(400);
        expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        const problem = (await response.json()) as { status: number; invalid_params: { name: string }[] };
        expect(problem.status).toBe(400);
        expect(problem.invalid_params.map((p) => p.name).sort(), query).toEqual(names.sort());
      }
    });

    it('rejects a cursor used with other filters', async () => {
      const first = (await (await api.get('/v1/datasets/producao/rows?limit=10')).json()) as {
        next_cursor: string;
      };
      const response = await api.get(
        `/v1/datasets/producao/rows?limit=10&year=2000&cursor=${first.next_cursor}`,
      );
      expect(response.status).toBe(400);
    });

    it('answers unsupported and unknown methods with a 405 problem and Allow, never a 5xx', async () => {
      const post = await fetch(`${api.url}/producaoCSV`, { method: 'POST' });
      expect(post.status).toBe(405);
      expect(post.headers.get('allow')).toMatch(/GET/);
      expect(await post.json()).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
      const trace = await request(`${api.url}/healthz`, { method: 'PROPFIND' });
      expect(trace.statusCode).toBe(405);
      expect(trace.headers.allow).toBe('HEAD, GET');
      expect(await trace.body.json()).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
    });

    it('answers an unknown dataset with 404 listing the valid ids', async () => {
      const response = await api.get('/v1/datasets/vinhos/rows');
      expect(response.status).toBe(404);
      const problem = (await response.json()) as { code: string; valid_values: string[] };
      expect(problem.code).toBe('UNKNOWN_DATASET');
      expect(problem.valid_values).toContain('exportacao_vinho');
      expect((await api.get('/nope')).status).toBe(404);
    });
  });

  describe('legacy routes', () => {
    const golden: [string, string][] = [
      ['/producaoCSV', 'producaoCSV'],
      ['/processamentoCSV/tipo/Viniferas', 'processamentoCSV_tipo_Viniferas'],
      ['/processamentoCSV/tipo/Americanas', 'processamentoCSV_tipo_Americanas'],
      ['/processamentoCSV/tipo/Mesa', 'processamentoCSV_tipo_Mesa'],
      ['/processamentoCSV/tipo/Semclass', 'processamentoCSV_tipo_Semclass'],
      ['/importacaoCSV/tipo/Suco', 'importacaoCSV_tipo_Suco'],
    ];
    it.each(golden)('%s matches the original service', async (path, name) => {
      const response = await api.get(path);
      expect(response.status).toBe(200);
      const expected = JSON.parse(readFileSync(join(GOLDEN_DIR, `${name}.json`), 'utf8'));
      expect(await response.json()).toEqual(numbersAsNumbers(expected));
    });

    it('sorts keys as the original did', async () => {
      const text = await (await api.get('/importacaoCSV/tipo/Suco')).text();
      expect(text.startsWith('[{"1970":0,"1970.1":0,"1971":0,')).toBe(true);
      expect(text.indexOf('"Id":')).toBeLessThan(text.indexOf('"País":'));
    });

    it('returns Comercio.csv grouped by category, items no longer overwritten', async () => {
      const body = (await (await api.get('/comercializacaoCSV')).json()) as Record<
        string,
        Record<string, unknown>[]
      >;
      expect(Object.keys(body)).toHaveLength(9);
      expect(body['VINHO DE MESA']?.map((r) => r.produto)).toEqual([
        'VINHO DE MESA',
        'Tinto',
        'Rosado',
        'Branco',
      ]);
      expect(body.ESPUMANTES?.[1]).toMatchObject({ id: 16, produto: 'Espumante  Moscatel', '2023': 9771698 });
      expect(body.ESPUMANTES?.[1]).not.toHaveProperty('control');
      expect(body['OUTROS PRODUTOS COMERCIALIZADOS']).toHaveLength(37);
    });

    it('reads the tab-delimited import/export files into both columns of every year', async () => {
      const body = (await (await api.get('/exportacaoCSV/tipo/Vinho')).json()) as Record<string, unknown>[];
      expect(body).toHaveLength(141);
      expect(body[2]).toMatchObject({
        Id: 3,
        País: 'Alemanha, República Democrática',
        '2024': 6666,
        '2024.1': 48095,
      });
    });

    it.each(DATASETS.map((d) => [legacyPath(d)] as const))('%s answers 200 with JSON', async (path) => {
      const response = await api.get(path);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    });

    it('matches tipo case-insensitively and lists the valid values otherwise', async () => {
      const [lower, canonical] = await Promise.all([
        api.get('/processamentoCSV/tipo/viniferas'),
        api.get('/processamentoCSV/tipo/Viniferas'),
      ]);
      expect(await lower.text()).toBe(await canonical.text());
      const hits = new Map(upstream.hits);
      for (const tipo of ['Uva', '..%2FProducao.csv', 'Viniferas.csv', '%00']) {
        const response = await api.get(`/processamentoCSV/tipo/${tipo}`);
        expect(response.status, tipo).toBe(404);
        expect(await response.json()).toMatchObject({
          code: 'UNKNOWN_TIPO',
          valid_values: ['Viniferas', 'Americanas', 'Mesa', 'Semclass'],
        });
      }
      expect(upstream.hits).toEqual(hits);
    });
  });

  describe('HTTP caching', () => {
    it('sends validators and provenance, and 304 on If-None-Match', async () => {
      // identity: each coding is its own representation with its own ETag, and undici.request asks for none.
      const first = await api.get('/producaoCSV', { 'accept-encoding': 'identity' });
      const etag = first.headers.get('etag');
      expect(etag).toMatch(/^"[\w-]+"$/);
      expect(first.headers.get('last-modified')).toBeTruthy();
      expect(first.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
      expect(first.headers.get('x-data-source')).toBe('upstream; state=fresh');
      expect(Date.parse(first.headers.get('x-data-fetched-at') ?? '')).not.toBeNaN();
      expect(Number(first.headers.get('x-data-age'))).toBeGreaterThanOrEqual(0);
      // undici.request, not fetch: fetch adds `cache-control: no-cache` to conditional requests, which asks for a 200.
      const again = await request(`${api.url}/producaoCSV`, { headers: { 'if-none-match': etag ?? '' } });
      expect(again.statusCode).toBe(304);
      expect(await again.body.text()).toBe('');
      const rows = await api.get('/v1/datasets/producao/rows?year=2000', { 'accept-encoding': 'identity' });
      const rowsAgain = await request(`${api.url}/v1/datasets/producao/rows?year=2000`, {
        headers: { 'if-none-match': rows.headers.get('etag') ?? '' },
      });
      expect(rowsAgain.statusCode).toBe(304);
      await rowsAgain.body.dump();
    });

    it('serves the same bytes from the per-version body cache', async () => {
      const a = await (await api.get('/v1/datasets/exportacao_vinho/rows?format=ndjson')).arrayBuffer();
      const b = await (await api.get('/v1/datasets/exportacao_vinho/rows?format=ndjson')).arrayBuffer();
      expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
      expect(upstream.hits.get('ExpVinho.csv')).toBe(1);
    });
  });

  describe('health', () => {
    it('answers /healthz and /readyz', async () => {
      expect(await (await api.get('/healthz')).json()).toEqual({ status: 'ok' });
      expect((await api.get('/readyz')).status).toBe(200);
    });
  });
});
