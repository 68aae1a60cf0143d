import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATASETS, type DatasetId, getDataset, type TidyRow, TidyRowSchema } from '@vitibrasil/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogEntrySchema, CatalogSchema } from '../src/http/openapi/schemas.js';
import { serializeLegacy } from '../src/reader/legacy.js';
import { readDataset } from '../src/reader/read-dataset.js';
import { type StaticUpstream, startStaticUpstream } from '../src/testing/static-upstream.js';
import {
  bundledGrid,
  endingIn,
  expectPublishedNumbers,
  type Grid,
  headerless,
  mislabelledLastYear,
  textOf,
  withCell,
} from './shapes.js';
import { GOLDEN_DIR, SNAPSHOT_DIR } from './snapshot.js';
import { eventually, numbersAsNumbers, removeDir, sleep, startTestApi, type TestApi } from './support.js';

const suco = getDataset('importacao_suco');

/** ImpSuco.csv as the 2023 release had it: years to 2022, the last pair labelled 2021, the last line ending `;;`. */
function impSuco2023(): { published: Grid; labelled: Grid } {
  const labelled = endingIn(bundledGrid('importacao_suco'), suco, 2022);
  const last = labelled.lines.length - 1;
  const width = labelled.lines[0]?.length ?? 0;
  const emptied = withCell(withCell(labelled, last, width - 2, ''), last, width - 1, '');
  return { published: mislabelledLastYear(emptied, suco), labelled: emptied };
}

const viniferas = bundledGrid('processamento_viniferas');
const column2023 = (viniferas.lines[0] ?? []).indexOf('2023');
const sucoShapes = impSuco2023();

/** What the upstream serves instead of the bundled file, and the labelled copy its numbers are checked against. */
const SHAPES: Partial<Record<DatasetId, { served: Grid; reference: Grid }>> = {
  producao: { served: headerless(bundledGrid('producao')), reference: bundledGrid('producao') },
  processamento_americanas: {
    served: headerless(bundledGrid('processamento_americanas')),
    reference: bundledGrid('processamento_americanas'),
  },
  comercializacao: {
    served: headerless(bundledGrid('comercializacao')),
    reference: bundledGrid('comercializacao'),
  },
  exportacao_vinho: {
    served: headerless(bundledGrid('exportacao_vinho')),
    reference: bundledGrid('exportacao_vinho'),
  },
  importacao_suco: { served: sucoShapes.published, reference: sucoShapes.labelled },
};
const THOUSANDS = withCell(viniferas, 1, column2023, ' 4.441 ');
// A file with a dotted value that is no thousands pattern: every dotted value of it is ambiguous, kept as text.
const mesa = bundledGrid('processamento_mesa');
const mesa2023 = (mesa.lines[0] ?? []).indexOf('2023');
const AMBIGUOUS = withCell(withCell(mesa, 1, mesa2023, ' 4.441 '), 2, mesa2023, '12.34');

const served = new Map<string, string>([
  ...Object.entries(SHAPES).map(
    ([id, shape]) => [getDataset(id as DatasetId).file, textOf(shape.served)] as const,
  ),
  ['ProcessaViniferas.csv', textOf(THOUSANDS)],
  ['ProcessaMesa.csv', textOf(AMBIGUOUS)],
]);

const bundledRead = (id: DatasetId) =>
  readDataset(getDataset(id), readFileSync(join(SNAPSHOT_DIR, getDataset(id).file)), {
    lengthVerified: true,
  });

const ndjson = async (response: Response): Promise<TidyRow[]> =>
  (await response.text())
    .split('\n')
    .filter(Boolean)
    .map((line) => TidyRowSchema.parse(JSON.parse(line)));

describe('the API over files in the shapes of earlier releases', () => {
  let upstream: StaticUpstream;
  let api: TestApi;

  beforeAll(async () => {
    upstream = await startStaticUpstream(SNAPSHOT_DIR);
    upstream.setFault((file, _req, res) => {
      const text = served.get(file);
      if (text === undefined) return false;
      const body = Buffer.from(text);
      res.writeHead(200, { 'content-type': 'text/csv', 'content-length': body.length }).end(body);
      return true;
    });
    api = await startTestApi(upstream.url);
  });
  afterAll(async () => {
    await api.close();
    await upstream.close();
    await removeDir(api.cacheDir);
  });

  it.each(Object.entries(SHAPES))('%s: every published number, cell by cell', async (id, shape) => {
    const response = await api.get(`/v1/datasets/${id}/rows?format=ndjson`);
    expect(response.status).toBe(200);
    expectPublishedNumbers(await ndjson(response), getDataset(id as DatasetId), shape.reference);
  });

  it('processamento_viniferas: ` 4.441 ` is 4441, every other row as bundled', async () => {
    const rows = await ndjson(await api.get('/v1/datasets/processamento_viniferas/rows?format=ndjson'));
    const years = 2023 - 1970 + 1;
    expect(rows).toEqual(
      bundledRead('processamento_viniferas').rows.map(
        (row, i): TidyRow => (i === years - 1 ? { ...row, quantity: 4441 } : row),
      ),
    );
    expect(rows[years - 1]).toMatchObject({ category: 'TINTAS', year: 2023, quantity: 4441 });
  });

  it('processamento_mesa: beside `12.34`, ` 4.441 ` is ambiguous too: both text, every other row as bundled', async () => {
    const rows = await ndjson(await api.get('/v1/datasets/processamento_mesa/rows?format=ndjson'));
    const years = 2023 - 1970 + 1;
    expect(rows).toEqual(
      bundledRead('processamento_mesa').rows.map((row, i): TidyRow => {
        if (i === years - 1) return { ...row, quantity: null, quantity_flag: '4.441' };
        if (i === 2 * years - 1) return { ...row, quantity: null, quantity_flag: '12.34' };
        return row;
      }),
    );
  });

  it('importacao_suco: 2022 read from the pair labelled 2021, the empty last pair null', async () => {
    const get = async (query: string) =>
      ((await (await api.get(`/v1/datasets/importacao_suco/rows?${query}`)).json()) as { rows: TidyRow[] })
        .rows;
    expect(await get('country=Estados%20Unidos&year_from=2021')).toMatchObject([
      { year: 2021, quantity: 3870, value_usd: 3551 },
      { year: 2022, quantity: 29414, value_usd: 16781 },
    ]);
    expect(await get('country=Outros&year=2022')).toMatchObject([
      { quantity: null, quantity_flag: null, value_usd: null, value_flag: null },
    ]);
  });

  it('shows in the catalog which files had no header and which year labels were overruled', async () => {
    await Promise.all(DATASETS.map((d) => api.get(`/v1/datasets/${d.id}/rows?limit=1`)));
    const catalog = CatalogSchema.parse(await (await api.get('/v1/datasets')).json());
    const notes = Object.fromEntries(catalog.datasets.map((d) => [d.id, d.cached?.notes]));
    const headerlessIds = ['producao', 'processamento_americanas', 'comercializacao', 'exportacao_vinho'];
    for (const { id } of DATASETS) {
      if (id === 'importacao_suco') continue;
      expect(notes[id], id).toEqual({
        header: headerlessIds.includes(id) ? 'absent' : 'published',
        header_years: [],
      });
    }
    expect(notes.importacao_suco).toEqual({
      header: 'published',
      header_years: [
        { column: 107, label: '2021', year: 2022, measure: 'quantity' },
        { column: 108, label: '2021', year: 2022, measure: 'value_usd' },
      ],
    });
    const one = await (await api.get('/v1/datasets/producao')).json();
    expect(one).toMatchObject({ cached: { notes: { header: 'absent' }, published_rows: 51, year_to: 2023 } });
  });

  describe('legacy routes over a file without header', () => {
    it.each([
      ['/producaoCSV', 'producaoCSV'],
      ['/processamentoCSV/tipo/Americanas', 'processamentoCSV_tipo_Americanas'],
    ])('%s answers as the original did for the file with its header', async (path, name) => {
      const response = await api.get(path);
      expect(response.status).toBe(200);
      const expected = JSON.parse(readFileSync(join(GOLDEN_DIR, `${name}.json`), 'utf8'));
      expect(await response.json()).toEqual(numbersAsNumbers(expected));
    });

    it.each([
      ['/comercializacaoCSV', 'comercializacao'],
      ['/exportacaoCSV/tipo/Vinho', 'exportacao_vinho'],
    ] as const)('%s: the latest header names and every data row', async (path, id) => {
      const text = await (await api.get(path)).text();
      expect(text).toBe(serializeLegacy(bundledRead(id).legacy));
      expect(text).not.toContain('"98327606"');
    });

    it('keys ImpSuco.csv by the years read: 2022 and 2022.1, never 2021.2', async () => {
      const body = (await (await api.get('/importacaoCSV/tipo/Suco')).json()) as Record<string, unknown>[];
      expect(body).toHaveLength(29);
      const keys = Object.keys(body[0] ?? {});
      expect(keys).toHaveLength(2 + 2 * (2022 - 1970 + 1));
      expect(keys).not.toContain('2021.2');
      expect(body[11]).toMatchObject({ Id: 12, País: 'Estados Unidos', '2022': 29414, '2022.1': 16781 });
      expect(body[28]).toMatchObject({ País: 'Outros', '2022': 0, '2022.1': 0 });
    });
  });
});

describe('a year label that disagrees with its position, from the upstream', () => {
  it('is refused naming the column and its label, and the last good copy stays', async () => {
    const grid = bundledGrid('producao');
    const [header = [], ...data] = grid.lines;
    // 2000 left out of the labels: every later year would be served one year off.
    const shifted = header.map((label, i) =>
      i >= 3 && Number(label) >= 2000 ? String(Number(label) + 1) : label,
    );
    let serveShifted = false;
    const upstream = await startStaticUpstream(SNAPSHOT_DIR);
    upstream.setFault((file, _req, res) => {
      if (!serveShifted || file !== 'Producao.csv') return false;
      const body = Buffer.from(textOf({ ...grid, lines: [shifted, ...data] }));
      res.writeHead(200, { 'content-type': 'text/csv', 'content-length': body.length }).end(body);
      return true;
    });
    const api = await startTestApi(upstream.url, { CACHE_TTL_SECONDS: '1', UPSTREAM_RETRIES: '0' });
    try {
      const good = await ndjson(await api.get('/v1/datasets/producao/rows?format=ndjson'));
      expect(good).toEqual(bundledRead('producao').rows);
      serveShifted = true;
      await sleep(1100);
      await api.get('/v1/datasets/producao/rows?limit=1');
      await eventually(async () => {
        const entry = CatalogEntrySchema.parse(await (await api.get('/v1/datasets/producao')).json());
        return entry.last_error !== null;
      });
      const entry = CatalogEntrySchema.parse(await (await api.get('/v1/datasets/producao')).json());
      const column = header.indexOf('2000') + 1;
      expect(entry.last_error).toMatchObject({ code: 'MALFORMED_UPSTREAM_FILE' });
      expect(entry.last_error?.message).toContain(
        `column ${column} is labelled '2001' where its position makes it 2000`,
      );
      const response = await api.get('/v1/datasets/producao/rows?format=ndjson');
      expect(response.headers.get('x-data-source')).toBe('upstream; state=stale-if-error');
      expect(await ndjson(response)).toEqual(good);
    } finally {
      await api.close();
      await removeDir(api.cacheDir);
      await upstream.close();
    }
  });
});
