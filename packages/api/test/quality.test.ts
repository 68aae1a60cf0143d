import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DATASETS,
  type DatasetId,
  getDataset,
  type MismatchKind,
  type QualityChecks,
  type TidyRow,
} from '@vitibrasil/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CatalogEntry, QualityReportSchema } from '../src/http/openapi/schemas.js';
import { readDataset } from '../src/reader/read-dataset.js';
import { type StaticUpstream, startStaticUpstream } from '../src/testing/static-upstream.js';
import { SNAPSHOT_DIR } from './snapshot.js';
import { removeDir, sleep, startTestApi, type TestApi } from './support.js';

const bytesOf = (id: DatasetId) => readFileSync(join(SNAPSHOT_DIR, getDataset(id).file));
const read = (id: DatasetId, bytes: Buffer = bytesOf(id)) =>
  readDataset(getDataset(id), bytes, { lengthVerified: true });

/** The counts the issue gives for Embrapa's 2025-06 release; every other dataset has none. */
const EXPECTED: Partial<Record<DatasetId, Partial<Record<MismatchKind, number>>>> = {
  comercializacao: { discrepancy: 87, rounding: 7 },
  processamento_mesa: { discrepancy: 11, incomplete: 4 },
  processamento_americanas: { discrepancy: 1, rounding: 1, incomplete: 4 },
  processamento_viniferas: { rounding: 1, incomplete: 6 },
  producao: { rounding: 2 },
  processamento_semclass: {},
};

/** Every category-year with at least one item: its total row and its items, from the tidy rows. */
function categoryYears(rows: readonly TidyRow[]) {
  const groups = new Map<string, { total: TidyRow | undefined; items: TidyRow[] }>();
  for (const row of rows) {
    if (row.category === null) continue;
    const key = `${row.category}|${row.year}`;
    const group = groups.get(key) ?? { total: undefined, items: [] };
    if (row.is_total) group.total = row;
    else group.items.push(row);
    groups.set(key, group);
  }
  return [...groups.values()].filter((g) => g.items.length > 0);
}

const sucoHeader = (bytesOf('importacao_suco').toString('utf8').split(/\r?\n/)[0] ?? '').split(/[;\t]/);
const lastSucoYear = Number(sucoHeader.at(-1));

/** ImpSuco.csv with its last pair of year columns labelled as the year before (as the 2023 release had it). */
function mislabelledSuco(): Buffer {
  const text = bytesOf('importacao_suco').toString('utf8');
  const [first = '', ...rest] = text.split('\n');
  const delimiter = first.includes('\t') ? '\t' : ';';
  const cells = first.split(delimiter);
  const width = cells.length;
  for (const i of [width - 2, width - 1])
    cells[i] = (cells[i] ?? '').replace(String(lastSucoYear), String(lastSucoYear - 1));
  return Buffer.from([cells.join(delimiter), ...rest].join('\n'));
}

describe('the quality report on the bundled files (Embrapa 2025-06)', () => {
  it('counts the totals that disagree with their items, by kind, as the issue gives them', () => {
    for (const { id } of DATASETS) {
      const { summary, totals_mismatches } = read(id).quality;
      const expected = EXPECTED[id] ?? {};
      const kinds = { discrepancy: 0, rounding: 0, incomplete: 0, ...expected };
      expect({ id, ...summary }).toMatchObject({ id, ...kinds });
      for (const kind of ['discrepancy', 'rounding', 'incomplete'] as const) {
        expect(totals_mismatches.filter((m) => m.kind === kind)).toHaveLength(kinds[kind]);
      }
    }
  });

  it('gives commercialization, VINHO DE MESA, 2007 exactly', () => {
    const mismatch = read('comercializacao').quality.totals_mismatches.find(
      (m) => m.category === 'VINHO DE MESA' && m.year === 2007,
    );
    expect(mismatch).toEqual({
      category: 'VINHO DE MESA',
      year: 2007,
      total: 226_710_045,
      items_sum: 221_901_429,
      difference: 4_808_616,
      items: 3,
      items_with_markers: 0,
      kind: 'discrepancy',
    });
  });

  it('lists exactly the category-years whose total is not the sum of their items, with their figures', () => {
    for (const id of Object.keys(EXPECTED) as DatasetId[]) {
      const { rows, quality } = read(id);
      const listed = new Map(quality.totals_mismatches.map((m) => [`${m.category}|${m.year}`, m]));
      for (const { total, items } of categoryYears(rows)) {
        if (!total) throw new Error(`${id}: items without a total row`);
        const numbers = items.flatMap((item) => (item.quantity === null ? [] : [item.quantity]));
        const sum = numbers.reduce((a, b) => a + b, 0);
        const mismatch = listed.get(`${total.category}|${total.year}`);
        const complete = total.quantity !== null && numbers.length === items.length;
        if (complete && Math.abs((total.quantity ?? 0) - sum) < 1e-6) {
          expect(mismatch, `${id} ${total.category} ${total.year}`).toBeUndefined();
          continue;
        }
        expect(mismatch, `${id} ${total.category} ${total.year}`).toBeDefined();
        expect(mismatch?.total).toBe(total.quantity);
        expect(mismatch?.items).toBe(items.length);
        expect(mismatch?.items_with_markers).toBe(items.length - numbers.length);
        expect(mismatch?.items_sum).toBeCloseTo(sum, 6);
        if (!complete) expect(mismatch?.kind).toBe('incomplete');
        else {
          const difference = (total.quantity ?? 0) - sum;
          expect(mismatch?.difference).toBeCloseTo(difference, 6);
          expect(mismatch?.kind).toBe(
            Math.abs(difference) <= 0.5 * (items.length + 1) ? 'rounding' : 'discrepancy',
          );
        }
      }
    }
  });

  it('handles markers: years of nd or * are marker-only, and their category-years incomplete', () => {
    const viniferas = read('processamento_viniferas').quality;
    expect(viniferas.marker_only_years).toEqual([
      { year: 2019, markers: ['nd'] },
      { year: 2022, markers: ['*'] },
    ]);
    const tintas2019 = viniferas.totals_mismatches.find((m) => m.category === 'TINTAS' && m.year === 2019);
    expect(tintas2019).toMatchObject({ total: null, difference: null, items_sum: 0, kind: 'incomplete' });
    expect(tintas2019?.items_with_markers).toBe(tintas2019?.items);
    // 2023: the total and the published items agree, but one item's cell is empty: not comparable.
    const tintas2023 = viniferas.totals_mismatches.find((m) => m.category === 'TINTAS' && m.year === 2023);
    expect(tintas2023).toMatchObject({ total: 35_881_118.23, difference: 0, items_with_markers: 1 });
    expect(tintas2023?.kind).toBe('incomplete');
    const rows2019 = viniferas.rows_by_year.find((r) => r.year === 2019);
    expect(rows2019?.quantity_markers).toBe(rows2019?.rows);
    // Americanas publishes two markers in 2022.
    expect(read('processamento_americanas').quality.marker_only_years).toEqual([
      { year: 2019, markers: ['nd'] },
      { year: 2022, markers: ['*', '+'] },
    ]);
    expect(read('comercializacao').quality.marker_only_years).toEqual([]);
  });

  it('reports decimals in whole units as anomalies, as published, and counts rows by year', () => {
    for (const { id } of DATASETS) {
      const bytes = bytesOf(id);
      const { rows, table, quality } = read(id, bytes);
      // Independent of the reader's numbers: quantity cells written with a decimal comma in the file.
      const quantityColumns = table.measures.filter((m) => m.measure === 'quantity').map((m) => m.index);
      const decimals = table.rows.reduce(
        (n, cells) => n + quantityColumns.filter((i) => /^\s*-?\d+,\d+\s*$/.test(cells[i] ?? '')).length,
        0,
      );
      expect(quality.summary.non_integer, id).toBe(decimals);
      for (const anomaly of quality.anomalies) {
        const row = rows.find(
          (r) =>
            r.year === anomaly.year &&
            r.category === anomaly.category &&
            r.item === anomaly.item &&
            r.country === anomaly.country,
        );
        expect(row?.quantity).toBe(anomaly.value);
      }
      expect(quality.summary).toMatchObject({ negative: 0, year_absent: 0 });
      expect(quality.rows_by_year.map((r) => r.year)).toEqual(
        table.measures.filter((m) => m.measure === 'quantity').map((m) => m.year),
      );
      for (const year of quality.rows_by_year)
        expect(year.rows, `${id} ${year.year}`).toBe(table.rows.length);
    }
    expect(read('processamento_viniferas').quality.summary.non_integer).toBeGreaterThan(0);
  });

  it('reports a negative value of a generated copy, and alters nothing; a year column left out is refused', () => {
    const lines = bytesOf('producao').toString('utf8').split('\n');
    const header = (lines[0] ?? '').split(';');
    const tinto = lines.findIndex((line) => line.split(';')[2] === 'Tinto');
    const cells = (lines[tinto] ?? '').split(';');
    const column2000 = header.indexOf('2000');
    cells[column2000] = `-${cells[column2000]}`;
    lines[tinto] = cells.join(';');
    const { rows, notes, quality } = read('producao', Buffer.from(lines.join('\n')));
    expect(notes.headerYears).toEqual([]);
    const negative = rows.find((r) => r.quantity !== null && r.quantity < 0);
    expect(negative).toMatchObject({ category: 'VINHO DE MESA', item: 'Tinto', year: 2000 });
    expect(quality.anomalies).toEqual([
      {
        kind: 'negative',
        year: 2000,
        category: 'VINHO DE MESA',
        item: 'Tinto',
        country: null,
        measure: 'quantity',
        value: negative?.quantity,
      },
    ]);
    expect(quality.summary).toMatchObject({
      negative: 1,
      year_absent: 0,
      year_duplicated: 0,
      non_integer: 0,
    });

    // Without its 1990 column, every later year would be read one year early: the file is refused instead.
    const year1990 = header.indexOf('1990');
    const cut = lines.map((line) =>
      line === ''
        ? line
        : line
            .split(';')
            .filter((_, i) => i !== year1990)
            .join(';'),
    );
    expect(() => read('producao', Buffer.from(cut.join('\n')))).toThrow(
      `column ${year1990 + 1} is labelled '1991' where its position makes it 1990`,
    );
  });

  it('reports a year labelling two columns, as ImpSuco.csv of 2023 published its last pair', () => {
    const { quality, notes } = read('importacao_suco', mislabelledSuco());
    expect(notes.headerYears.map((n) => [n.label, n.year, n.measure])).toEqual([
      [String(lastSucoYear - 1), lastSucoYear, 'quantity'],
      [String(lastSucoYear - 1), lastSucoYear, 'value'],
    ]);
    expect(quality.anomalies).toEqual([
      {
        kind: 'year_duplicated',
        year: lastSucoYear - 1,
        category: null,
        item: null,
        country: null,
        measure: null,
        value: null,
      },
    ]);
    expect(quality.summary).toMatchObject({ year_duplicated: 1, year_absent: 0 });
  });

  it.each(DATASETS.map((d) => [d.id] as const))(
    '%s: a re-encoded copy, with ; and tab swapped, gives the same report',
    (id) => {
      const original = bytesOf(id);
      const { quality: expected, table: published } = read(id, original);
      const text = original.toString('utf8');
      const swapped = text.includes('\t') ? text.replaceAll('\t', ';') : text.replaceAll(';', '\t');
      const variants = {
        windows1252: Buffer.from(text, 'latin1'),
        redelimited: Buffer.from(swapped),
        both: Buffer.from(swapped.replaceAll('\n', '\r\n'), 'latin1'),
      };
      for (const [name, bytes] of Object.entries(variants)) {
        const { quality, table } = read(id, bytes);
        expect(quality, name).toEqual(expected);
        if (name !== 'windows1252') expect(table.delimiter, name).not.toBe(published.delimiter);
        if (name !== 'redelimited') expect(table.encoding, name).toBe('windows-1252');
      }
    },
  );
});

describe('GET /v1/datasets/{dataset}/quality', () => {
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

  it('serves each dataset version its report, computed once, with the data headers and an ETag', async () => {
    for (const { id } of DATASETS) {
      const response = await api.get(`/v1/datasets/${id}/quality`);
      expect(response.status, id).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(response.headers.get('x-data-source')).toBe('upstream; state=fresh');
      const report = QualityReportSchema.parse(await response.json());
      const { checked_at, ...rest } = report;
      const expected: QualityChecks = read(id).quality;
      expect(rest).toEqual({
        dataset: id,
        content_hash: createHash('sha256').update(bytesOf(id)).digest('hex'),
        notes: { header: 'published', header_years: [] },
        ...expected,
      });
      const again = await api.get(`/v1/datasets/${id}/quality`, {
        'if-none-match': response.headers.get('etag') ?? '',
      });
      expect(again.status).toBe(304);
      expect(Date.parse(checked_at)).toBeLessThanOrEqual(Date.now());
    }
    const first = QualityReportSchema.parse(await (await api.get('/v1/datasets/producao/quality')).json());
    const second = QualityReportSchema.parse(await (await api.get('/v1/datasets/producao/quality')).json());
    expect(second.checked_at).toBe(first.checked_at);
  });

  it("shows each dataset's summary counts in the catalog", async () => {
    const catalog = (await (await api.get('/v1/datasets')).json()) as {
      datasets: {
        id: DatasetId;
        quality_url: string;
        cached: { quality: unknown; previous: unknown } | null;
      }[];
    };
    for (const entry of catalog.datasets) {
      expect(entry.quality_url).toBe(`/v1/datasets/${entry.id}/quality`);
      expect(entry.cached?.quality).toEqual(read(entry.id).quality.summary);
      expect(entry.cached?.previous).toBeNull();
    }
  });

  it('answers problems: an unknown dataset is a 404, a query parameter a 400', async () => {
    const unknown = await api.get('/v1/datasets/vinhos/quality');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toContain('application/problem+json');
    expect(await unknown.json()).toMatchObject({ code: 'UNKNOWN_DATASET' });
    const query = await api.get('/v1/datasets/producao/quality?kind=discrepancy');
    expect(query.status).toBe(400);
    expect(await query.json()).toMatchObject({ invalid_params: [{ name: 'kind' }] });
  });

  it('shows how a file was read: a mislabelled year in the notes and as an anomaly, as in the catalog', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'quality-upstream-'));
    await cp(SNAPSHOT_DIR, dir, { recursive: true });
    await writeFile(join(dir, getDataset('importacao_suco').file), mislabelledSuco());
    const mislabelled = await startStaticUpstream(dir);
    const other = await startTestApi(mislabelled.url);
    try {
      const report = QualityReportSchema.parse(
        await (await other.get('/v1/datasets/importacao_suco/quality')).json(),
      );
      expect(report.notes.header_years.map((n) => n.measure)).toEqual(['quantity', 'value_usd']);
      expect(report.anomalies.map((a) => [a.kind, a.year])).toEqual([['year_duplicated', lastSucoYear - 1]]);
      const entry = (await (await other.get('/v1/datasets/importacao_suco')).json()) as {
        cached: { notes: unknown; quality: unknown };
      };
      expect(entry.cached.notes).toEqual(report.notes);
      expect(entry.cached.quality).toEqual(report.summary);
    } finally {
      await other.close();
      await removeDir(other.cacheDir);
      await mislabelled.close();
      await removeDir(dir);
    }
  });

  it("is the bundled snapshot's report when nothing is cached and the upstream fails, else a 503", async () => {
    const down = await startStaticUpstream(SNAPSHOT_DIR);
    down.setFault((_file, _req, res) => {
      res.writeHead(500).end();
      return true;
    });
    const bundled = await startTestApi(down.url, { UPSTREAM_RETRIES: '0' });
    const bare = await startTestApi(down.url, { UPSTREAM_RETRIES: '0', BUNDLED_SNAPSHOT: 'false' });
    try {
      const fallback = await bundled.get('/v1/datasets/producao/quality');
      expect(fallback.status).toBe(200);
      expect(fallback.headers.get('x-data-source')).toBe('bundled; state=stale-if-error');
      const report = QualityReportSchema.parse(await fallback.json());
      expect(report.content_hash).toBe(createHash('sha256').update(bytesOf('producao')).digest('hex'));
      expect(report.totals_mismatches).toEqual(read('producao').quality.totals_mismatches);

      const response = await bare.get('/v1/datasets/producao/quality');
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
      expect(response.headers.get('retry-after')).not.toBeNull();
    } finally {
      for (const api of [bundled, bare]) {
        await api.close();
        await removeDir(api.cacheDir);
      }
      await down.close();
    }
  });

  it('is the same body, ETag and Last-Modified from two servers holding the same version', async () => {
    // The upstream dates the file, as Embrapa's server does: both servers hold the version with that date.
    const published = new Date('2025-06-30T12:00:00Z');
    const dated = await startStaticUpstream(SNAPSHOT_DIR);
    dated.setFault((file, _req, res) => {
      const body = readFileSync(join(SNAPSHOT_DIR, file));
      res.writeHead(200, { 'content-type': 'text/csv', 'last-modified': published.toUTCString() }).end(body);
      return true;
    });
    const first = await startTestApi(dated.url);
    const second = await startTestApi(dated.url);
    try {
      const one = await first.get('/v1/datasets/producao/quality');
      await sleep(20); // another read time in the second process
      const two = await second.get('/v1/datasets/producao/quality');
      expect(await two.text()).toBe(await one.text());
      const etag = one.headers.get('etag') ?? '';
      expect(two.headers.get('etag')).toBe(etag);
      expect(two.headers.get('last-modified')).toBe(published.toUTCString());
      expect(one.headers.get('last-modified')).toBe(published.toUTCString());
      const report = QualityReportSchema.parse(
        await (await second.get('/v1/datasets/producao/quality')).json(),
      );
      expect(report.checked_at).toBe(published.toISOString());
      const entry = (await (await second.get('/v1/datasets/producao')).json()) as CatalogEntry;
      expect(entry.cached?.changed_at).toBe(report.checked_at);
      // Either validator from one server gives the same answer from the other.
      expect((await second.get('/v1/datasets/producao/quality', { 'if-none-match': etag })).status).toBe(304);
      const since = { 'if-modified-since': one.headers.get('last-modified') ?? '' };
      expect((await second.get('/v1/datasets/producao/quality', since)).status).toBe(304);
    } finally {
      for (const api of [first, second]) {
        await api.close();
        await removeDir(api.cacheDir);
      }
      await dated.close();
    }
  });
});
