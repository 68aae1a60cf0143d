import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DATASET_IDS, type DatasetId, type TidyRow } from '@vitibrasil/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { ingestWithConfig } from '../src/ingest.js';
import { S3Destination } from '../src/lake/s3.js';
import { lakeLayout } from '../src/layout.js';
import { createLogger } from '../src/logger.js';
import type { RunManifest } from '../src/manifest.js';
import type { RunResult } from '../src/results.js';
import { datasetRows, queryLake } from './helpers/duckdb.js';
import { makeAllDatasets, toNdjson } from './helpers/fixtures.js';
import { type FakeApi, startFakeApi } from './helpers/ndjson-api.js';
import { downloadPrefix, type LocalS3, S3RVER_CREDENTIALS, startS3rver } from './helpers/s3rver.js';

const PREFIX = 'vitibrasil/lake';
let api: FakeApi;
let s3: LocalS3;
let served: Map<DatasetId, TidyRow[]>;
const temps: string[] = [];

beforeAll(async () => {
  served = makeAllDatasets(120);
  [api, s3] = await Promise.all([
    startFakeApi(new Map([...served].map(([id, rows]) => [id, toNdjson(rows)]))),
    startS3rver(),
  ]);
});
afterAll(async () => {
  await Promise.all([
    api.close(),
    s3.close(),
    ...temps.map((dir) => rm(dir, { recursive: true, force: true })),
  ]);
});

function ingest(extra: Record<string, string> = {}): Promise<RunResult> {
  const config = loadConfig({
    API_BASE_URL: api.url,
    LAKE_URI: `s3://${s3.bucket}/${PREFIX}`,
    S3_ENDPOINT: s3.endpoint,
    AWS_REGION: 'us-east-1',
    PROCESSING_DATE: '2025-12-31',
    ...extra,
  });
  return ingestWithConfig(config, {
    processingDate: config.processingDate ?? '',
    logger: createLogger('SILENT'),
    credentials: S3RVER_CREDENTIALS,
  });
}

async function localCopy(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 's3-copy-'));
  temps.push(dir);
  await downloadPrefix(s3, `${PREFIX}/`, dir);
  return dir;
}

describe('ingesting into S3 (s3rver)', () => {
  it('writes every dataset under the prefix; DuckDB reads the objects back row for row', async () => {
    const result = await ingest({ RAW: 'true' });
    expect(result.outcome).toBe('succeeded');
    expect(result.lakeUri).toBe(`s3://lake/${PREFIX}`);
    const keys = await s3.listKeys(`${PREFIX}/`);
    for (const dataset of DATASET_IDS) {
      expect(keys).toContain(`${PREFIX}/${lakeLayout.curatedKey(dataset, '2025-12-31')}`);
      expect(keys).toContain(`${PREFIX}/${lakeLayout.rawKey(dataset, '2025-12-31')}`);
    }
    expect(keys).toContain(`${PREFIX}/${result.manifestKey}`);
    expect(keys).toContain(`${PREFIX}/${result.logKey}`);
    expect(keys).toContain(`${PREFIX}/${lakeLayout.latestManifestKey}`);

    const dir = await localCopy();
    for (const dataset of DATASET_IDS) {
      expect(await datasetRows(dir, dataset, '2025-12-31')).toEqual(
        (served.get(dataset) ?? []).map((row) => ({
          ...row,
          processed_at: result.startedAt,
          run_id: result.runId,
          processing_date: '2025-12-31',
        })),
      );
    }
    // bodies are stored byte for byte: no aws-chunked framing, checksums match the manifest
    const manifest = JSON.parse(
      Buffer.from(await s3.getObject(`${PREFIX}/${result.manifestKey}`)).toString(),
    ) as RunManifest;
    const entry = manifest.datasets.producao;
    expect(entry?.outcome).toBe('written');
    const object = await s3.getObject(`${PREFIX}/${lakeLayout.curatedKey('producao', '2025-12-31')}`);
    expect(entry && 'sha256' in entry ? entry.sha256 : null).toBe(
      createHash('sha256').update(object).digest('hex'),
    );
    const raw = gunzipSync(
      await s3.getObject(`${PREFIX}/${lakeLayout.rawKey('exportacao_uva', '2025-12-31')}`),
    );
    expect(raw.toString()).toBe(toNdjson(served.get('exportacao_uva') ?? []));
  });

  it('replaces the date on re-run: same row count, stray objects in a partition removed', async () => {
    const stray = `${PREFIX}/${lakeLayout.curatedPrefix('producao', '2025-12-31')}part-stale.parquet`;
    const destination = new S3Destination({
      bucket: s3.bucket,
      prefix: '',
      region: 'us-east-1',
      endpoint: s3.endpoint,
      credentials: S3RVER_CREDENTIALS,
    });
    await destination.put(stray, Buffer.from('not parquet'), 'application/octet-stream');
    await destination.close();

    const result = await ingest();
    expect(result.outcome).toBe('succeeded');
    const keys = await s3.listKeys(`${PREFIX}/curated/`);
    expect(keys).not.toContain(stray);
    expect(keys).toHaveLength(15);
    const dir = await localCopy();
    const total = [...served.values()].reduce((s, r) => s + r.length, 0);
    expect(
      await queryLake(dir, 'SELECT count(*)::INTEGER AS n, any_value(run_id) AS run FROM {curated}'),
    ).toEqual([{ n: total, run: result.runId }]);
  });
});
