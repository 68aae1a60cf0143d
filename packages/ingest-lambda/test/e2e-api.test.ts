/**
 * End to end: the real CSV snapshot served by a loopback "Embrapa", the real API in front of it, and the
 * ingester writing into a local lake and into s3rver. DuckDB reads both lakes back; they must equal what the
 * API serves as NDJSON, row for row.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig as loadApiConfig, startServer } from '@vitibrasil/api';
import { type StaticUpstream, startStaticUpstream } from '@vitibrasil/api/testing';
import { DATASET_IDS, type DatasetId } from '@vitibrasil/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { ingestWithConfig } from '../src/ingest.js';
import { createLogger } from '../src/logger.js';
import type { RunResult } from '../src/results.js';
import { datasetRows, queryLake } from './helpers/duckdb.js';
import { downloadPrefix, type LocalS3, S3RVER_CREDENTIALS, startS3rver } from './helpers/s3rver.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const snapshot = path.resolve(repoRoot, 'data/vitibrasil');

const DATE = '2025-06-30';

describe('ingesting the real snapshot through the real API', () => {
  let upstream: StaticUpstream;
  let server: { url: string; close(): Promise<void> };
  let s3: LocalS3;
  const temps: string[] = [];
  const servedByDataset = new Map<DatasetId, Record<string, unknown>[]>();

  const temp = async (label: string) => {
    const dir = await mkdtemp(path.join(tmpdir(), label));
    temps.push(dir);
    return dir;
  };

  beforeAll(async () => {
    upstream = await startStaticUpstream(snapshot);
    server = await startServer(
      loadApiConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        UPSTREAM_BASE_URL: upstream.url,
        CACHE_DIR: await temp('api-cache-'),
        LOG_LEVEL: 'silent',
      }),
    );
    s3 = await startS3rver();
    for (const dataset of DATASET_IDS) {
      const response = await fetch(`${server.url}/v1/datasets/${dataset}/rows?format=ndjson`);
      const text = await response.text();
      expect(response.status, text.slice(0, 200)).toBe(200);
      servedByDataset.set(
        dataset,
        text
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => JSON.parse(line) as Record<string, unknown>),
      );
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all([server?.close(), upstream?.close(), s3?.close()]);
    await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  const ingest = (env: Record<string, string>) => {
    const config = loadConfig({ API_BASE_URL: server.url, PROCESSING_DATE: DATE, ...env });
    return ingestWithConfig(config, {
      processingDate: DATE,
      logger: createLogger('SILENT'),
      credentials: S3RVER_CREDENTIALS,
    });
  };

  async function expectLakeEqualsApi(root: string, result: RunResult) {
    for (const dataset of DATASET_IDS) {
      const served = servedByDataset.get(dataset) ?? [];
      expect(served.length, dataset).toBeGreaterThan(0);
      expect(await datasetRows(root, dataset, DATE), dataset).toEqual(
        served.map((row) => ({
          ...row,
          processed_at: result.startedAt,
          run_id: result.runId,
          processing_date: DATE,
        })),
      );
    }
  }

  it('into a local lake: equal to the API row for row, and idempotent', async () => {
    const root = await temp('e2e-lake-');
    const first = await ingest({ LAKE_URI: root });
    expect(first.outcome, JSON.stringify(first.datasets.filter((d) => d.error))).toBe('succeeded');
    await expectLakeEqualsApi(root, first);
    const total = [...servedByDataset.values()].reduce((s, rows) => s + rows.length, 0);
    const count = 'SELECT count(*)::INTEGER AS n FROM {curated}';
    expect(await queryLake(root, count)).toEqual([{ n: total }]);
    const second = await ingest({ LAKE_URI: root });
    expect(second.outcome).toBe('succeeded');
    expect(await queryLake(root, count)).toEqual([{ n: total }]);
  });

  it('into S3 (s3rver): equal to the API row for row', async () => {
    const result = await ingest({ LAKE_URI: `s3://${s3.bucket}/e2e`, S3_ENDPOINT: s3.endpoint, RAW: 'true' });
    expect(result.outcome, JSON.stringify(result.datasets.filter((d) => d.error))).toBe('succeeded');
    const copy = await temp('e2e-s3-copy-');
    const keys = await downloadPrefix(s3, 'e2e/', copy);
    expect(keys.filter((k) => k.endsWith('.parquet'))).toHaveLength(15);
    expect(keys.filter((k) => k.endsWith('.ndjson.gz'))).toHaveLength(15);
    await expectLakeEqualsApi(copy, result);
  });
});
