import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DATASET_IDS, type DatasetId, type TidyRow } from '@vitibrasil/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
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
    expect(second.outcome).toBe('succeeded');
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
