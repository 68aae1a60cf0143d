import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  DATASET_IDS,
  type DatasetId,
  LAKE_QUERIES,
  type Revision,
  type TidyRow,
  totalsMismatches,
} from '@vitibrasil/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApiClient } from '../src/api-client.js';
import { LocalDestination } from '../src/lake/local.js';
import { lakeLayout } from '../src/layout.js';
import { createLogger } from '../src/logger.js';
import type { LatestManifest, RunManifest } from '../src/manifest.js';
import type { RunResult } from '../src/results.js';
import { type RunOptions, runIngest } from '../src/run.js';
import type { RunLogLine } from '../src/run-log.js';
import { datasetRows, queryLake } from './helpers/duckdb.js';
import { makeAllDatasets, makeRows, toNdjson } from './helpers/fixtures.js';
import { type FakeApi, startFakeApi } from './helpers/ndjson-api.js';

const DATE = '2025-12-31';
let api: FakeApi;
let served: Map<DatasetId, TidyRow[]>;
let root: string;

beforeAll(async () => {
  served = makeAllDatasets();
  api = await startFakeApi(new Map([...served].map(([id, rows]) => [id, toNdjson(rows)])));
});
afterAll(() => api.close());

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'run-test-'));
});
afterEach(async () => {
  api.setResponder(null);
  for (const [id, rows] of served) api.setBody(id, toNdjson(rows));
  await rm(root, { recursive: true, force: true });
});

let tick = 0;
async function ingest(options: Partial<RunOptions> = {}, lakeRoot = root): Promise<RunResult> {
  const client = createApiClient({
    baseUrl: api.url,
    concurrency: 3,
    timeoutMs: 5_000,
    maxAttempts: 2,
    sleep: async () => {},
  });
  const destination = new LocalDestination(lakeRoot);
  const startedAt = new Date(Date.UTC(2026, 0, 1, 2, 0, tick++));
  try {
    return await runIngest(
      {
        datasets: DATASET_IDS,
        processingDate: DATE,
        concurrency: 3,
        keepRaw: false,
        minRowRatio: 0.5,
        apiBaseUrl: api.url,
        ...options,
      },
      { api: client, destination, logger: createLogger('SILENT'), clock: () => new Date(startedAt) },
    );
  } finally {
    await client.close();
  }
}

async function readJson<T>(key: string): Promise<T> {
  return JSON.parse(await readFile(path.join(root, key), 'utf8')) as T;
}

async function readLog(result: RunResult): Promise<RunLogLine[]> {
  const text = await readFile(path.join(root, result.logKey), 'utf8');
  return text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as RunLogLine);
}

function expectedRows(dataset: DatasetId, result: RunResult, date = DATE) {
  return (served.get(dataset) ?? []).map((row) => ({
    ...row,
    processed_at: result.startedAt,
    run_id: result.runId,
    processing_date: date,
  }));
}

describe('runIngest into a local lake', () => {
  it('writes every dataset row for row, then the manifest and the run log', async () => {
    const result = await ingest();
    expect(result.outcome).toBe('succeeded');
    expect(result.errors).toEqual([]);
    expect(result.datasets.map((d) => d.dataset)).toEqual([...DATASET_IDS]);

    for (const dataset of DATASET_IDS) {
      expect(await datasetRows(root, dataset, DATE)).toEqual(expectedRows(dataset, result));
    }
    const files = await readdir(path.join(root, 'curated'), { recursive: true });
    expect(files.filter((f) => f.endsWith('.parquet'))).toHaveLength(15);

    const manifest = await readJson<RunManifest>(result.manifestKey);
    expect(manifest).toMatchObject({ run_id: result.runId, processing_date: DATE, outcome: 'succeeded' });
    for (const dataset of DATASET_IDS) {
      const entry = manifest.datasets[dataset];
      const key = lakeLayout.curatedKey(dataset, DATE);
      const bytes = await readFile(path.join(root, key));
      expect(entry).toEqual({
        outcome: 'written',
        key,
        rows: served.get(dataset)?.length,
        bytes: bytes.byteLength,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        schema_version: 1,
        raw_key: null,
        run_id: result.runId,
        processing_date: DATE,
      });
    }
    const latest = await readJson<LatestManifest>(lakeLayout.latestManifestKey);
    expect(latest.datasets).toEqual(manifest.datasets);

    const log = await readLog(result);
    expect(log.map((l) => l.type)).toEqual(['start', ...DATASET_IDS.map(() => 'dataset'), 'end']);
    expect(log[0]).toMatchObject({
      type: 'start',
      run_id: result.runId,
      processing_date: DATE,
      datasets: DATASET_IDS,
    });
    const end = log.at(-1);
    expect(end).toMatchObject({
      type: 'end',
      outcome: 'succeeded',
      datasets_written: 15,
      datasets_failed: [],
      manifest_key: result.manifestKey,
      rows: [...served.values()].reduce((s, r) => s + r.length, 0),
    });
    const producao = log.find((l) => l.type === 'dataset' && l.dataset === 'producao');
    expect(producao).toMatchObject({
      outcome: 'written',
      rows: served.get('producao')?.length,
      attempts: 1,
      error: null,
    });
  });

  it('replaces a date on re-run: same count in DuckDB, one object per partition, stale objects removed', async () => {
    const first = await ingest();
    const stray = path.join(root, lakeLayout.curatedPrefix('producao', DATE), 'part-old.parquet');
    await writeFile(stray, await readFile(path.join(root, lakeLayout.curatedKey('producao', DATE))));
    const countSql = 'SELECT count(*)::INTEGER AS n, count(DISTINCT run_id)::INTEGER AS runs FROM {curated}';
    const total = [...served.values()].reduce((s, r) => s + r.length, 0);

    const second = await ingest();
    expect(second.outcome, JSON.stringify(second.datasets.filter((d) => d.error))).toBe('succeeded');
    expect(second.runId).not.toBe(first.runId);
    expect(await queryLake(root, countSql)).toEqual([{ n: total, runs: 1 }]);
    const third = await ingest();
    expect(await queryLake(root, countSql)).toEqual([{ n: total, runs: 1 }]);
    expect(await datasetRows(root, 'producao', DATE)).toEqual(expectedRows('producao', third));
    expect(await readdir(path.join(root, lakeLayout.curatedPrefix('producao', DATE)))).toEqual([
      'producao.parquet',
    ]);
    // each run keeps its own manifest and log
    expect(await readdir(path.join(root, 'manifests', `processing_date=${DATE}`))).toHaveLength(3);
    expect(await readdir(path.join(root, 'logs', `processing_date=${DATE}`))).toHaveLength(3);

    await ingest({ processingDate: '2026-01-01' });
    expect(
      await queryLake(root, countSql.replace('{curated}', "{curated} WHERE processing_date = '2026-01-01'")),
    ).toEqual([{ n: total, runs: 1 }]);
  });

  it('isolates failures: a 500 and invalid rows fail their datasets, the others are written', async () => {
    await ingest({ processingDate: '2025-12-30' });
    api.setResponder((dataset, _req, res) => {
      if (dataset !== 'exportacao_suco') return false;
      res.writeHead(500, { 'content-type': 'application/problem+json' }).end('{"title":"upstream exploded"}');
      return true;
    });
    const bad = makeRows('importacao_passas', 40).map((row, i) => (i === 7 ? { ...row, unit: 'ton' } : row));
    api.setBody('importacao_passas', toNdjson(bad as TidyRow[]));

    const result = await ingest();
    expect(result.outcome).toBe('failed');
    const byId = new Map(result.datasets.map((d) => [d.dataset, d]));
    expect(byId.get('exportacao_suco')).toMatchObject({
      outcome: 'failed',
      attempts: 2,
      key: null,
      error: { code: 'API_HTTP_STATUS' },
    });
    expect(byId.get('exportacao_suco')?.error?.message).toContain('upstream exploded');
    expect(byId.get('importacao_passas')).toMatchObject({
      outcome: 'failed',
      error: { code: 'ROWS_INVALID' },
    });
    expect(byId.get('importacao_passas')?.error?.issues?.[0]).toMatchObject({ line: 8 });
    expect(result.datasets.filter((d) => d.outcome === 'written')).toHaveLength(13);

    const present = await queryLake(
      root,
      `SELECT DISTINCT dataset FROM {curated} WHERE processing_date = '${DATE}' ORDER BY dataset`,
    );
    expect(present.map((r) => r.dataset)).toEqual(
      [...DATASET_IDS].filter((d) => d !== 'exportacao_suco' && d !== 'importacao_passas').sort(),
    );
    // the earlier date's objects of the failed datasets are untouched
    expect(await datasetRows(root, 'exportacao_suco', '2025-12-30')).toHaveLength(
      served.get('exportacao_suco')?.length ?? -1,
    );

    const manifest = await readJson<RunManifest>(result.manifestKey);
    expect(manifest.outcome).toBe('failed');
    expect(manifest.datasets.exportacao_suco).toMatchObject({
      outcome: 'failed',
      error: { code: 'API_HTTP_STATUS' },
    });
    expect(manifest.datasets.importacao_passas).toMatchObject({
      outcome: 'failed',
      error: { code: 'ROWS_INVALID' },
    });
    const log = await readLog(result);
    expect(log.at(-1)).toMatchObject({
      type: 'end',
      outcome: 'failed',
      datasets_written: 13,
      datasets_failed: expect.arrayContaining(['exportacao_suco', 'importacao_passas']),
    });
    // latest keeps the last good entry of a failed dataset
    const latest = await readJson<LatestManifest>(lakeLayout.latestManifestKey);
    expect(latest.datasets.exportacao_suco).toMatchObject({ processing_date: '2025-12-30' });
    expect(latest.datasets.producao).toMatchObject({ processing_date: DATE, run_id: result.runId });
  });

  it('refuses far fewer rows than the previous manifest, and zero rows, writing nothing for them', async () => {
    await ingest({ processingDate: '2025-12-30' });
    const full = served.get('producao') ?? [];
    api.setBody('producao', toNdjson(full.slice(0, Math.floor(full.length / 4))));
    api.setBody('comercializacao', '');

    const result = await ingest();
    expect(result.outcome).toBe('failed');
    const byId = new Map(result.datasets.map((d) => [d.dataset, d]));
    expect(byId.get('producao')).toMatchObject({
      outcome: 'failed',
      rows: Math.floor(full.length / 4),
      previousRows: full.length,
      error: { code: 'ROWS_DROPPED' },
    });
    expect(byId.get('comercializacao')).toMatchObject({
      outcome: 'failed',
      rows: 0,
      error: { code: 'ROWS_EMPTY' },
    });
    const present = await queryLake(
      root,
      `SELECT DISTINCT dataset FROM {curated} WHERE processing_date = '${DATE}'`,
    );
    expect(present.map((r) => r.dataset)).not.toContain('producao');
    expect(present.map((r) => r.dataset)).not.toContain('comercializacao');
    expect(present).toHaveLength(13);

    // the baseline is still the last good count, so the drop is caught again on the next run
    const again = await ingest();
    expect(again.datasets.find((d) => d.dataset === 'producao')?.error?.code).toBe('ROWS_DROPPED');
    // and MIN_ROW_RATIO = 0 accepts it
    const accepted = await ingest({ minRowRatio: 0 });
    expect(accepted.datasets.find((d) => d.dataset === 'producao')?.outcome).toBe('written');
  });

  it('keeps the raw NDJSON, gzip, when asked', async () => {
    const result = await ingest({ keepRaw: true, datasets: ['producao', 'exportacao_uva'] });
    expect(result.outcome).toBe('succeeded');
    for (const dataset of ['producao', 'exportacao_uva'] as const) {
      const key = lakeLayout.rawKey(dataset, DATE);
      expect(result.datasets.find((d) => d.dataset === dataset)?.rawKey).toBe(key);
      const raw = gunzipSync(await readFile(path.join(root, key))).toString('utf8');
      expect(raw).toBe(toNdjson(served.get(dataset) ?? []));
    }
  });

  it('fails the run without fetching anything when the latest manifest is corrupt', async () => {
    await ingest({ datasets: ['producao'] });
    await writeFile(path.join(root, lakeLayout.latestManifestKey), '{"manifest_version": 99}');
    api.requests.clear();
    const result = await ingest();
    expect(result.outcome).toBe('failed');
    expect(result.datasets).toEqual([]);
    expect(result.errors[0]).toMatchObject({ code: 'LAKE_READ' });
    expect(result.errors[0]?.message).toContain('manifests/latest.json');
    expect(api.requests.size).toBe(0);
    const log = await readLog(result);
    expect(log.at(-1)).toMatchObject({ type: 'end', outcome: 'failed', manifest_key: null });
  });
});

describe('revisions and quality between two runs', () => {
  const D1 = '2025-12-30';
  const D2 = '2025-12-31';
  const REVISION_COLUMNS =
    'dataset, category, item, country, year, change, old_quantity, new_quantity, old_value_usd, new_value_usd, ' +
    'old_flag, new_flag, old_value_flag, new_value_flag';

  /**
   * producao as Embrapa publishes it: per category a total row and its items, every year, in published order. The
   * totals add up, but for one discrepancy, one rounding difference and one year with a marker.
   */
  function categoryRows(): TidyRow[] {
    const rows: TidyRow[] = [];
    const base = {
      dataset: 'producao',
      country: null,
      quantity_flag: null,
      value_usd: null,
      value_flag: null,
      unit: 'L',
    } as const;
    for (const category of ['VINHO DE MESA', 'SUCO']) {
      const items = ['Tinto', 'Branco', 'Rosado'];
      const value = (item: number, year: number) => 1000 * (item + 1) + year;
      const total = (year: number) => {
        const sum = items.reduce((s, _, i) => s + value(i, year), 0);
        if (category === 'SUCO' && year === 2019) return sum + 5000; // discrepancy
        if (category === 'SUCO' && year === 2020) return sum + 1; // rounding
        return sum;
      };
      for (let year = 2018; year <= 2022; year++) {
        rows.push({ ...base, category, item: null, year, quantity: total(year), is_total: true });
      }
      items.forEach((item, i) => {
        for (let year = 2018; year <= 2022; year++) {
          const marker = category === 'VINHO DE MESA' && item === 'Rosado' && year === 2021;
          rows.push({
            ...base,
            category,
            item,
            year,
            quantity: marker ? null : value(i, year),
            quantity_flag: marker ? 'nd' : null,
            is_total: false,
          });
        }
      });
    }
    return rows;
  }
  let published: Map<DatasetId, TidyRow[]>;
  beforeAll(() => {
    published = new Map(served);
    published.set('producao', categoryRows());
  });
  beforeEach(() => api.setBody('producao', toNdjson(published.get('producao') ?? [])));

  const datasetLog = async (result: RunResult) =>
    new Map(
      (await readLog(result)).flatMap((line) =>
        line.type === 'dataset' ? [[line.dataset, line] as const] : [],
      ),
    );

  /** The second release: producao with a row revised, one removed and one added; exportacao_uva with a value revised. */
  function secondRelease() {
    const producao = published.get('producao') ?? [];
    const revised = { ...(producao[10] as TidyRow), quantity: ((producao[10] as TidyRow).quantity ?? 0) + 1 };
    const removed = producao[20] as TidyRow;
    const added: TidyRow = { ...(producao[30] as TidyRow), item: 'Item novo', year: 2024, is_total: false };
    const producaoAfter = [
      ...producao.slice(0, 10),
      revised,
      ...producao.slice(11, 20),
      ...producao.slice(21),
      added,
    ];
    const uva = published.get('exportacao_uva') ?? [];
    const uvaRevised = { ...(uva[12] as TidyRow), value_usd: 1, value_flag: null };
    const uvaAfter = uva.map((row, i) => (i === 12 ? uvaRevised : row));
    api.setBody('producao', toNdjson(producaoAfter));
    api.setBody('exportacao_uva', toNdjson(uvaAfter));
    const change = (
      kind: Revision['change'],
      key: TidyRow,
      before: TidyRow | null,
      after: TidyRow | null,
    ) => ({
      dataset: key.dataset,
      category: key.category,
      item: key.item,
      country: key.country,
      year: key.year,
      change: kind,
      old_quantity: before?.quantity ?? null,
      new_quantity: after?.quantity ?? null,
      old_value_usd: before?.value_usd ?? null,
      new_value_usd: after?.value_usd ?? null,
      old_flag: before?.quantity_flag ?? null,
      new_flag: after?.quantity_flag ?? null,
      old_value_flag: before?.value_flag ?? null,
      new_value_flag: after?.value_flag ?? null,
    });
    return {
      rows: new Map([
        ['producao', producaoAfter],
        ['exportacao_uva', uvaAfter],
      ]) as Map<DatasetId, TidyRow[]>,
      changes: new Map([
        [
          'producao',
          [
            change('revised', revised, producao[10] as TidyRow, revised),
            change('added', added, null, added),
            change('removed', removed, removed, null),
          ],
        ],
        ['exportacao_uva', [change('revised', uvaRevised, uva[12] as TidyRow, uvaRevised)]],
      ]) as Map<DatasetId, Revision[]>,
    };
  }

  const revisionsIn = (date: string, dataset: string) =>
    queryLake(
      root,
      `SELECT ${REVISION_COLUMNS}, previous_processing_date, run_id FROM {revisions} ` +
        `WHERE processing_date = '${date}' AND dataset = '${dataset}' ORDER BY file_row_number`,
    );

  it('writes nothing to compare on the first run: the counts are null, the quality table is there', async () => {
    const first = await ingest({ processingDate: D1 });
    expect(first.outcome).toBe('succeeded');
    for (const line of (await datasetLog(first)).values()) {
      expect(line).toMatchObject({
        added: null,
        removed: null,
        revised: null,
        previous_processing_date: null,
      });
      expect(line.revisions_key).toBeNull();
      expect(line.quality_key).toBe(lakeLayout.qualityKey(line.dataset, D1));
    }
    await expect(readdir(path.join(root, 'revisions'))).rejects.toMatchObject({ code: 'ENOENT' });

    for (const dataset of DATASET_IDS) {
      const expected = totalsMismatches(published.get(dataset) ?? []);
      const back = await queryLake(
        root,
        `SELECT * EXCLUDE (file_row_number, dataset, processing_date) FROM {quality} ` +
          `WHERE dataset = '${dataset}' AND processing_date = '${D1}' ORDER BY file_row_number`,
      );
      expect(back, dataset).toEqual(
        expected.map((m) => ({ ...m, processed_at: first.startedAt, run_id: first.runId })),
      );
      expect((await datasetLog(first)).get(dataset)?.totals_mismatches).toBe(expected.length);
    }
    expect(
      totalsMismatches(published.get('producao') ?? []).map((m) => [m.category, m.year, m.kind]),
    ).toEqual([
      ['VINHO DE MESA', 2021, 'incomplete'],
      ['SUCO', 2019, 'discrepancy'],
      ['SUCO', 2020, 'rounding'],
    ]);
  });

  it('finds every change of the next release, and nothing else, through DuckDB and the named queries', async () => {
    await ingest({ processingDate: D1 });
    const release = secondRelease();
    const second = await ingest({ processingDate: D2 });
    expect(second.outcome, JSON.stringify(second.datasets.filter((d) => d.error))).toBe('succeeded');
    const log = await datasetLog(second);
    for (const dataset of DATASET_IDS) {
      const changes = release.changes.get(dataset) ?? [];
      const counts = { added: 0, removed: 0, revised: 0 };
      for (const c of changes) counts[c.change]++;
      expect(log.get(dataset), dataset).toMatchObject({
        ...counts,
        previous_processing_date: D1,
        revisions_key: lakeLayout.revisionsKey(dataset, D2),
        revisions_error: null,
      });
      expect(await revisionsIn(D2, dataset), dataset).toEqual(
        changes.map((c) => ({ ...c, previous_processing_date: D1, run_id: second.runId })),
      );
    }
    // An unchanged dataset's partition holds an empty file: the comparison was made, nothing changed.
    expect(await readdir(path.join(root, lakeLayout.revisionsPrefix('comercializacao', D2)))).toEqual([
      'comercializacao.parquet',
    ]);

    const named = (id: string) => {
      const query = LAKE_QUERIES.find((q) => q.id === id);
      if (!query) throw new Error(`no query ${id}`);
      return queryLake(root, query.sql('{curated}', { revisions: '{revisions}', quality: '{quality}' }));
    };
    const lastChanges = await named('latest_revisions');
    expect(lastChanges).toHaveLength([...release.changes.values()].flat().length);
    expect(lastChanges.every((r) => r.processing_date === D2 && r.previous_processing_date === D1)).toBe(
      true,
    );
    const disagreeing = await named('totals_disagreeing_with_items');
    const expected = DATASET_IDS.flatMap((dataset) =>
      totalsMismatches(release.rows.get(dataset) ?? published.get(dataset) ?? [])
        .filter((m) => m.kind === 'discrepancy')
        .map((m) => ({ dataset, category: m.category, year: m.year, difference: m.difference })),
    );
    expect(expected.length).toBeGreaterThan(0);
    expect(
      disagreeing.map((r) => ({
        dataset: r.dataset,
        category: r.category,
        year: r.year,
        difference: r.difference,
      })),
    ).toEqual(
      [...expected].sort(
        (a, b) =>
          Math.abs(b.difference ?? 0) - Math.abs(a.difference ?? 0) ||
          a.dataset.localeCompare(b.dataset) ||
          a.category.localeCompare(b.category) ||
          a.year - b.year,
      ),
    );

    // Re-running the date compares with the same earlier partition: the same revisions, one object.
    const rerun = await ingest({ processingDate: D2 });
    expect((await datasetLog(rerun)).get('producao')).toMatchObject({ added: 1, removed: 1, revised: 1 });
    expect(await revisionsIn(D2, 'producao')).toEqual(
      (release.changes.get('producao') ?? []).map((c) => ({
        ...c,
        previous_processing_date: D1,
        run_id: rerun.runId,
      })),
    );
    expect(await readdir(path.join(root, lakeLayout.revisionsPrefix('producao', D2)))).toEqual([
      'producao.parquet',
    ]);

    // The next day, nothing changed: zero, not null, and the named query says nothing changed.
    const third = await ingest({ processingDate: '2026-01-01' });
    expect((await datasetLog(third)).get('producao')).toMatchObject({
      added: 0,
      removed: 0,
      revised: 0,
      previous_processing_date: D2,
    });
    expect(await named('latest_revisions')).toEqual([]);
  });

  it('writes the data when the previous partition cannot be read, and says so instead of comparing', async () => {
    await ingest({ processingDate: D1, datasets: ['producao', 'exportacao_uva'] });
    await writeFile(path.join(root, lakeLayout.curatedKey('producao', D1)), 'not parquet');
    // A stale revisions object of this date must not survive a run that compared nothing.
    const stale = path.join(root, lakeLayout.revisionsKey('producao', D2));
    await mkdir(path.dirname(stale), { recursive: true });
    await writeFile(stale, 'stale');
    const result = await ingest({ processingDate: D2, datasets: ['producao', 'exportacao_uva'] });
    expect(result.outcome).toBe('succeeded');
    const log = await datasetLog(result);
    expect(log.get('producao')).toMatchObject({
      outcome: 'written',
      added: null,
      removed: null,
      revised: null,
      revisions_key: null,
      revisions_error: { code: 'LAKE_READ' },
    });
    expect(log.get('producao')?.revisions_error?.message).toContain(lakeLayout.curatedKey('producao', D1));
    expect(log.get('exportacao_uva')).toMatchObject({
      added: 0,
      removed: 0,
      revised: 0,
      revisions_error: null,
    });
    expect(await datasetRows(root, 'producao', D2)).toEqual(
      (published.get('producao') ?? []).map((row) => ({
        ...row,
        processed_at: result.startedAt,
        run_id: result.runId,
        processing_date: D2,
      })),
    );
    await expect(readdir(path.dirname(stale))).resolves.toEqual([]);
  });
});
